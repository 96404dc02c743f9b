# microscale/prometheus, built by scripts/build-images from Debian's prometheus package:
# the context's rootfs/ holds /bin/prometheus, its shared-library closure (libc), the
# loader, the web assets, CA certificates, /etc/passwd and a default configuration.
FROM scratch
COPY rootfs/ /
COPY --chown=65534:65534 data/ /prometheus/
USER 65534:65534
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]

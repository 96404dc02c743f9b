# microscale/cli, built by scripts/build-images: the context's rootfs/ holds the stripped
# microscalectl, its shared-library closure, the loader, CA certificates and /etc/passwd.
FROM scratch
COPY rootfs/ /
USER 10001:10001
ENTRYPOINT ["/usr/bin/microscalectl"]

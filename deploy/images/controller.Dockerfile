# microscale/controller, built by scripts/build-images: the context's rootfs/ holds the
# stripped binary, its shared-library closure, the loader, CA certificates and /etc/passwd.
FROM scratch
COPY rootfs/ /
COPY --chown=10001:10001 state/ /var/lib/microscale/
USER 10001:10001
WORKDIR /var/lib/microscale
# Container defaults: state on /var/lib/microscale (mount a volume there), gRPC served
# beyond the container's loopback. That address needs TLS or an explicit choice, so a bare
# `docker run` stops at once (exit 2) naming both: pass --tls-cert, --tls-key, --tls-ca
# (or MICROSCALE_TLS_*, files mounted read-only) or --insecure (docs/deployment.md).
ENV MICROSCALE_DATA_DIR=/var/lib/microscale MICROSCALE_GRPC_ADDR=0.0.0.0:7400
EXPOSE 7400 7401
ENTRYPOINT ["/usr/bin/microscale-controller"]

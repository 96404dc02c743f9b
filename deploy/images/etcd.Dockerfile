# microscale/etcd, built by scripts/build-images from Debian's etcd-server and etcd-client
# packages: the context's rootfs/ holds /usr/bin/etcd and /usr/bin/etcdctl, their
# shared-library closure (libc), the loader, CA certificates and /etc/passwd. It is the
# state store of deploy/compose/ha (docs/high-availability.md); any etcd v3 serves as well.
FROM scratch
COPY rootfs/ /
COPY --chown=10002:10002 data/ /var/lib/etcd/
USER 10002:10002
WORKDIR /var/lib/etcd
EXPOSE 2379 2380
ENTRYPOINT ["/usr/bin/etcd"]

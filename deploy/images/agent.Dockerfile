# microscale/agent, built by scripts/build-images: the context's rootfs/ holds the stripped
# binary, its shared-library closure, the loader, CA certificates and /etc/passwd.
FROM scratch
COPY rootfs/ /
# Root: the agent drives the Docker socket mounted at /var/run/docker.sock.
USER 0:0
EXPOSE 7402
ENTRYPOINT ["/usr/bin/microscale-agent"]

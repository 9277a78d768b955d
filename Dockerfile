# The release image: the static (musl) prr on distroless, which brings CA certificates for
# GitHub's API and a non-root user, and nothing else: no shell, no package manager.
# .github/workflows/release.yml builds it from the release's own binaries, with a build
# context holding amd64/prr and arm64/prr, for linux/amd64 and linux/arm64.
#
#   docker run --rm -v "$PWD:/work" ghcr.io/prr-gate/prr-gate:0.2.0 check
#
# The image has no git: the working directory is the repository root, and --base and the
# pre-push hook, which read commits, are for an installed binary.
FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETARCH
COPY --chmod=0755 ${TARGETARCH}/prr /usr/local/bin/prr
WORKDIR /work
ENTRYPOINT ["prr"]

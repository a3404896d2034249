# One image, one binary: `engage serve <service>` picks what a container runs.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.work go.work.sum ./
COPY api/go.mod api/go.sum api/
COPY services/go.mod services/go.sum services/
COPY gateway/go.mod gateway/go.sum gateway/
RUN go mod download
COPY api api
COPY services services
COPY gateway gateway
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/engage ./services/cmd/engage \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/engage /usr/local/bin/engage
# The data volume must belong to the unprivileged user the server runs as.
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
VOLUME ["/data"]
ENV ENGAGE_DATA_DIR=/data
ENTRYPOINT ["/usr/local/bin/engage"]
CMD ["serve"]

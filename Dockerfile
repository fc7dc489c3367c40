# A small image with only the static antrian binary.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /antrian ./cmd/antrian

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /antrian /antrian
EXPOSE 8080
ENTRYPOINT ["/antrian"]
CMD ["serve"]

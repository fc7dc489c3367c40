// Package photo handles the photos cadres attach to their delivery
// reports: it judges an upload by its content (JPEG, PNG or WebP, within
// size limits), reads the verification data of its EXIF (capture time,
// GPS position), and makes the image that is served: decoded, turned
// upright, scaled down and encoded anew, so that no byte of the upload's
// metadata survives. Store keeps the served images on disk, addressed by
// their hash (store.go).
package photo

//go:build !unix

package display

import (
	"errors"
	"syscall"

	"github.com/gorilla/websocket"
)

// socketOf is nil where writes that do not wait are not supported: every
// write goes through a writer goroutine.
func socketOf(*websocket.Conn) syscall.RawConn { return nil }

func writeNow(syscall.RawConn, []byte) (int, error) {
	return 0, errors.New("display: direct writes are not supported here")
}

//go:build unix

package display

import (
	"errors"
	"os"
	"syscall"

	"github.com/gorilla/websocket"
)

// socketOf is conn's socket, for writes that must not wait; nil when the
// connection is not a plain socket (a TLS one, say), whose writes all go
// through a writer goroutine.
func socketOf(conn *websocket.Conn) syscall.RawConn {
	sc, ok := conn.UnderlyingConn().(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// writeNow writes as much of b as the socket takes at once, without
// waiting: n < len(b) (possibly 0) with a nil error when its send buffer is
// full (or a write deadline has passed).
func writeNow(rc syscall.RawConn, b []byte) (int, error) {
	var n int
	var werr error
	err := rc.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			if !errors.Is(werr, syscall.EINTR) {
				return true // never wait for the socket to be writable
			}
		}
	})
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 0, nil // a writer goroutine writes it, with a deadline of its own
	case err != nil:
		return 0, err
	case errors.Is(werr, syscall.EAGAIN):
		return 0, nil
	case werr != nil:
		return 0, werr
	}
	return max(n, 0), nil
}

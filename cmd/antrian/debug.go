package main

import (
	"net/http"
	"net/http/pprof"
)

// debugHandler serves Go's profiler: CPU and heap profiles, goroutine
// dumps and execution traces, for `go tool pprof http://ADDR/debug/pprof/profile`.
// It has no authentication, so it listens only where ANTRIAN_DEBUG_ADDR
// says, never on the service's own address.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

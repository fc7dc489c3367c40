package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// When an essential part of the service dies while it runs (here the HTTP
// listener), the App stops as a whole and Wait returns the part's error,
// logged once, so that run exits non-zero and the supervisor restarts the
// process instead of leaving half a service up.
func TestPartFailureStopsTheService(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	screen := dialWS(t, app, "/ws/display?facility=sobo")
	if m := readWS(t, screen); m.Type != "snapshot" {
		t.Fatalf("first message %q, want snapshot", m.Type)
	}

	app.ln.Close() // the listener dies under the running server
	done := make(chan error, 1)
	go func() { done <- app.Wait(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "http server stopped") {
			t.Fatalf("Wait = %v, want the http server's failure", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Wait did not return after the listener failed")
	}
	// The rest of the service stopped with it: the screen was told the
	// server is going away.
	screen.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := screen.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("screen after the failure: %v, want close 1001 going away", err)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "a part of the service failed; stopping so that it is restarted") ||
		!strings.Contains(logs, "http server stopped") {
		t.Errorf("no clear log line of the failure in:\n%s", logs)
	}
}

// A requested stop (the signal's context) is not a failure.
func TestRequestedStopIsClean(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := app.Wait(ctx); err != nil {
		t.Errorf("Wait after a requested stop = %v, want nil", err)
	}
	if strings.Contains(e.logs.String(), "a part of the service failed") {
		t.Error("a requested stop was logged as a failure")
	}
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// The fan-out baseline is the floor under "call to every screen": the same
// number of loopback TCP sockets as screens, one message of about a call
// event's size written to each by a writer goroutine per socket (the
// service's shape, without WebSocket framing, JSON or any queue logic), and
// read by one goroutine per socket here. The writing side runs in a child
// process, as the service does, so each side has its own file descriptors.

// fanoutChildArg, as the first argument, makes the tool the writing side.
const fanoutChildArg = "-fanout-writer"

// fanoutSize is the message size: a call event on a display is about this long.
const fanoutSize = 256

// FanoutReport is the fan-out baseline's result.
type FanoutReport struct {
	Sockets  int     `json:"sockets"`
	Rounds   int     `json:"rounds"`
	ToOne    Summary `json:"to_a_socket"`
	ToEvery  Summary `json:"to_every_socket"`
	Interval float64 `json:"interval_ms"`
}

// fanoutBaseline opens n sockets to a child writer and times rounds
// messages, every apart, from the trigger to each socket's read.
func fanoutBaseline(ctx context.Context, n, rounds int, every time.Duration) (*FanoutReport, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, fanoutChildArg, strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	trigger, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		trigger.Close() // the child exits at the end of its input
		cmd.Wait()
	}()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("fan-out writer: %w", err)
	}
	conns := make([]net.Conn, 0, n)
	var readers sync.WaitGroup
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		readers.Wait()
	}()
	var d net.Dialer
	for range n {
		c, err := d.DialContext(ctx, "tcp", addr[:len(addr)-1])
		if err != nil {
			return nil, fmt.Errorf("fan-out baseline: %w", err)
		}
		conns = append(conns, c)
	}

	// Each round: t0, then every reader notes its arrival; the last one to
	// arrive closes done.
	var (
		mu      sync.Mutex
		t0      time.Time
		left    int
		done    chan struct{}
		arrived = make([]time.Duration, n)
	)
	for i, c := range conns {
		readers.Add(1)
		go func() {
			defer readers.Done()
			buf := make([]byte, fanoutSize)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				now := time.Now()
				mu.Lock()
				arrived[i] = now.Sub(t0)
				if left--; left == 0 {
					close(done)
				}
				mu.Unlock()
			}
		}()
	}

	var one, all []time.Duration
	for range rounds {
		mu.Lock()
		left, done = n, make(chan struct{})
		t0 = time.Now()
		wait := done
		mu.Unlock()
		if _, err := trigger.Write([]byte{'\n'}); err != nil {
			return nil, fmt.Errorf("fan-out writer: %w", err)
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(30 * time.Second):
			return nil, errors.New("fan-out baseline: a round did not reach every socket in 30 s")
		}
		mu.Lock()
		var worst time.Duration
		for _, a := range arrived {
			one = append(one, a)
			worst = max(worst, a)
		}
		mu.Unlock()
		all = append(all, worst)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(every):
		}
	}
	return &FanoutReport{Sockets: n, Rounds: rounds, ToOne: summarize(one), ToEvery: summarize(all),
		Interval: float64(every.Milliseconds())}, nil
}

// fanoutWriter is the child: it accepts n connections, prints its address
// first, and for every byte on stdin writes one message to each through
// that connection's own goroutine. It returns at the end of stdin.
func fanoutWriter(n int, trigger io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Fprintln(out, ln.Addr().String())
	msg := make([]byte, fanoutSize)
	for i := range msg {
		msg[i] = 'x'
	}
	var writers sync.WaitGroup
	kicks := make([]chan struct{}, 0, n)
	defer func() {
		for _, k := range kicks {
			close(k)
		}
		writers.Wait()
	}()
	for range n {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		kick := make(chan struct{}, 16)
		kicks = append(kicks, kick)
		writers.Add(1)
		go func() {
			defer writers.Done()
			defer c.Close()
			for range kick {
				c.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if _, err := c.Write(msg); err != nil {
					return
				}
			}
		}()
	}
	buf := make([]byte, 1)
	for {
		if _, err := trigger.Read(buf); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		for _, k := range kicks {
			k <- struct{}{}
		}
	}
}

package testenv

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// KeySlot is the Redis Cluster hash slot of key: CRC16 (XMODEM) of its
// hash tag, the text between the first "{" and the next "}" when that is
// not empty, else of the whole key, modulo 16384.
func KeySlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for _, b := range []byte(key) {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}

// SlotCheck is a go-redis hook that checks what Redis Cluster requires of
// every script and multi-key command the client sends: that all its keys
// are in one hash slot. Add it with AddHook; Check fails the test on a
// command that spans slots, and reports how many commands it checked.
type SlotCheck struct {
	mu      sync.Mutex
	checked int
	crossed []string
}

// keysOf returns the keys of the commands whose keys must share a slot.
func keysOf(args []any) []string {
	if len(args) == 0 {
		return nil
	}
	name, _ := args[0].(string)
	var keys []any
	switch strings.ToLower(name) {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		if len(args) < 3 {
			return nil
		}
		n := 0
		fmt.Sscan(fmt.Sprint(args[2]), &n)
		if 3+n <= len(args) {
			keys = args[3 : 3+n]
		}
	case "mget", "del", "exists", "unlink", "touch", "sinter", "sunion", "sdiff":
		keys = args[1:]
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprint(k)
	}
	return out
}

func (s *SlotCheck) note(args []any) {
	keys := keysOf(args)
	if len(keys) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checked++
	for _, k := range keys[1:] {
		if KeySlot(k) != KeySlot(keys[0]) {
			s.crossed = append(s.crossed, fmt.Sprintf("%s %v", args[0], keys))
			return
		}
	}
}

// DialHook implements redis.Hook.
func (s *SlotCheck) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

// ProcessHook implements redis.Hook.
func (s *SlotCheck) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		s.note(cmd.Args())
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (s *SlotCheck) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			s.note(c.Args())
		}
		return next(ctx, cmds)
	}
}

// Check fails t for every checked command whose keys span hash slots and
// returns how many commands with keys to check it saw.
func (s *SlotCheck) Check(t testing.TB) int {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.crossed {
		t.Errorf("keys in more than one Redis Cluster hash slot: %s", c)
	}
	return s.checked
}

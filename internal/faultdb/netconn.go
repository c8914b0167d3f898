package faultdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrConnLost is what a connection a Lost fault dropped reports: the server
// answered, and the answer never arrived.
var ErrConnLost = errors.New("injected fault: connection lost after the server answered")

// NetInjector counts the network writes of the PostgreSQL connections it
// wraps and fails the armed one. pgx sends each round trip of the protocol
// in one write (a simple Query such as BEGIN or COMMIT; Parse, Describe,
// Sync to prepare a statement; Bind, Execute, Sync to run it), so every
// statement of a flush is one or two calls and its COMMIT the last.
//
// Its faults, in the spirit of pgx's own test helper (internal/faultyconn,
// a net.Conn that sits between pgx and a real server):
//   - Error: the write fails and sends nothing, and the connection is
//     closed, as when the network goes down.
//   - Lost: the write goes through and the server answers; the answer is
//     read and thrown away, then the connection is closed and the read
//     fails. At a COMMIT the outcome is then unknown to pgx, yet decided.
//   - Deadline: the write blocks until the connection's deadline passes
//     (pgx sets it when the query's context ends), then fails with
//     os.ErrDeadlineExceeded and the connection is closed.
//
// With failRollback every write of a ROLLBACK fails as Error.
type NetInjector struct {
	calls        atomic.Int64
	failAt       atomic.Int64
	kind         atomic.Int32
	failRollback atomic.Bool
	mu           sync.Mutex
	failed       string
}

// Wrap returns c with its writes counted, and the armed one failed. Use it
// from pgconn.Config.AfterNetConnect, so that the connections of pgx's
// cancel requests (dialled apart) are not counted.
func (in *NetInjector) Wrap(c net.Conn) net.Conn {
	return &netConn{Conn: c, in: in, moved: make(chan struct{})}
}

// Arm resets the write count and fails write n with k; with failRollback,
// every ROLLBACK's write fails as well.
func (in *NetInjector) Arm(n int64, k Kind, failRollback bool) {
	in.mu.Lock()
	in.failed = ""
	in.mu.Unlock()
	in.calls.Store(0)
	in.kind.Store(int32(k))
	in.failRollback.Store(failRollback)
	in.failAt.Store(n)
}

// Disarm stops failing writes and returns how many were made since Arm.
func (in *NetInjector) Disarm() int64 {
	in.failAt.Store(0)
	in.failRollback.Store(false)
	return in.calls.Load()
}

// Failed describes the write that failed since Arm, or is empty.
func (in *NetInjector) Failed() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.failed
}

func (in *NetInjector) modes() []mode {
	return []mode{{Error, false}, {Lost, false}, {Deadline, false}, {Error, true}}
}

// fault counts a write of the messages in b and returns the kind of fault
// to inject, or 0.
func (in *NetInjector) fault(b []byte) Kind {
	n := in.calls.Add(1)
	k := Kind(0)
	if at := in.failAt.Load(); at != 0 && n == at {
		k = Kind(in.kind.Load())
	} else if in.failRollback.Load() && isRollback(b) {
		k = Error
	}
	if k != 0 {
		in.mu.Lock()
		if in.failed == "" {
			in.failed = fmt.Sprintf("write %d (%s)", n, describe(b))
		}
		in.mu.Unlock()
	}
	return k
}

// netConn is a connection a NetInjector wraps. Once a fault closes it,
// every read and write fails.
type netConn struct {
	net.Conn
	in *NetInjector

	mu       sync.Mutex
	lost     bool          // a fault closed the connection
	losing   bool          // the armed write went through: read its answer, then lose the connection
	deadline time.Time     // the write deadline
	moved    chan struct{} // closed, and replaced, when the write deadline moves
}

func opError(op string, err error) error { return &net.OpError{Op: op, Net: "tcp", Err: err} }

// lose closes the connection beneath pgx, as a dropped connection is: the
// server sees it go and rolls back the open transaction.
func (c *netConn) lose() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.lost {
		c.lost = true
		c.Conn.Close()
	}
}

func (c *netConn) isLost() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost
}

func (c *netConn) Write(b []byte) (int, error) {
	if c.isLost() {
		return 0, opError("write", net.ErrClosed)
	}
	switch c.in.fault(b) {
	case 0:
		return c.Conn.Write(b)
	case Lost:
		c.mu.Lock()
		c.losing = true // before the server can answer
		c.mu.Unlock()
		return c.Conn.Write(b)
	case Deadline:
		err := c.block()
		c.lose()
		return 0, opError("write", err)
	default:
		c.lose()
		return 0, opError("write", ErrInjected)
	}
}

// block waits until the write deadline passes; it gives up after ten
// seconds without one.
func (c *netConn) block() error {
	limit := time.NewTimer(10 * time.Second)
	defer limit.Stop()
	for {
		c.mu.Lock()
		d, moved := c.deadline, c.moved
		c.mu.Unlock()
		if !d.IsZero() && !time.Now().Before(d) {
			return os.ErrDeadlineExceeded
		}
		var passed <-chan time.Time
		var tm *time.Timer
		if !d.IsZero() {
			tm = time.NewTimer(time.Until(d))
			passed = tm.C
		}
		select {
		case <-moved:
		case <-passed:
		case <-limit.C:
			return fmt.Errorf("%w: a write blocked for ten seconds and no deadline came", ErrInjected)
		}
		if tm != nil {
			tm.Stop()
		}
	}
}

func (c *netConn) Read(b []byte) (int, error) {
	if c.isLost() {
		return 0, opError("read", net.ErrClosed)
	}
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	losing, lost := c.losing, c.lost
	c.mu.Unlock()
	switch {
	case lost: // closed by a fault while this read waited
		return 0, opError("read", net.ErrClosed)
	case losing:
		c.drain(b[:n], err)
		c.lose()
		return 0, opError("read", ErrConnLost)
	}
	return n, err
}

// drain reads the rest of the answer that began with got, up to its
// ReadyForQuery: the server has then done what the write asked for.
func (c *netConn) drain(got []byte, err error) {
	tail := append([]byte(nil), got...)
	buf := make([]byte, 4096)
	c.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for err == nil && !readyForQuery(tail) {
		var n int
		n, err = c.Conn.Read(buf)
		tail = append(tail, buf[:n]...)
		if len(tail) > 64 {
			tail = tail[len(tail)-64:]
		}
	}
}

// readyForQuery reports whether b ends with a ReadyForQuery message, which
// ends every answer of the server to a Sync or a simple Query.
func readyForQuery(b []byte) bool {
	if len(b) < 6 {
		return false
	}
	m := b[len(b)-6:]
	return m[0] == 'Z' && binary.BigEndian.Uint32(m[1:5]) == 5 && bytes.IndexByte([]byte("ITE"), m[5]) >= 0
}

func (c *netConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lost {
		return nil
	}
	c.lost = true
	return c.Conn.Close()
}

// SetDeadline sets both deadlines, and wakes a write blocked by Deadline.
func (c *netConn) SetDeadline(t time.Time) error {
	c.moveDeadline(t)
	return c.Conn.SetDeadline(t)
}

// SetWriteDeadline sets the write deadline, and wakes a write blocked by
// Deadline.
func (c *netConn) SetWriteDeadline(t time.Time) error {
	c.moveDeadline(t)
	return c.Conn.SetWriteDeadline(t)
}

func (c *netConn) moveDeadline(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = t
	close(c.moved)
	c.moved = make(chan struct{})
}

// messages splits a write into the protocol's frontend messages: a type
// byte and a length that counts itself. A startup message has no type.
func messages(b []byte) (types []byte, bodies [][]byte) {
	for len(b) >= 5 {
		if b[0] == 0 { // startup, SSL or cancel request: a length, no type
			return append(types, 0), append(bodies, nil)
		}
		n := int(binary.BigEndian.Uint32(b[1:5]))
		if n < 4 || 1+n > len(b) {
			break
		}
		types, bodies = append(types, b[0]), append(bodies, b[5:1+n])
		b = b[1+n:]
	}
	return types, bodies
}

// describe names the messages of a write, with the SQL of a Query or Parse.
func describe(b []byte) string {
	types, bodies := messages(b)
	var parts []string
	for i, t := range types {
		body := bodies[i]
		switch t {
		case 0:
			parts = append(parts, "Startup")
		case 'Q':
			parts = append(parts, fmt.Sprintf("Query %q", cstring(body)))
		case 'P':
			if j := bytes.IndexByte(body, 0); j >= 0 {
				body = body[j+1:] // the statement's name
			}
			parts = append(parts, fmt.Sprintf("Parse %q", cstring(body)))
		default:
			name := map[byte]string{'B': "Bind", 'E': "Execute", 'D': "Describe", 'S': "Sync", 'X': "Terminate", 'C': "Close", 'H': "Flush", 'p': "Password"}[t]
			if name == "" {
				name = string(t)
			}
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, " ")
}

// isRollback reports whether b is the simple Query pgx ends a transaction
// with when it rolls back.
func isRollback(b []byte) bool {
	types, bodies := messages(b)
	return len(types) == 1 && types[0] == 'Q' && strings.EqualFold(strings.TrimSpace(cstring(bodies[0])), "rollback")
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

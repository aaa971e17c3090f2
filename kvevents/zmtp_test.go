package kvevents

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// peerBytes is what a well-behaved peer of socket type typ sends first:
// its greeting and READY.
func peerBytes(typ string) []byte {
	b := greeting()
	return appendFrame(b, flagCommand, command("READY", appendProperty(appendProperty(nil, "Identity", ""), "Socket-Type", typ)))
}

func TestHandshake(t *testing.T) {
	mutate := func(i int, v byte) []byte { b := peerBytes("SUB"); b[i] = v; return b }
	plain := peerBytes("SUB")
	copy(plain[12:32], "PLAIN\x00")
	cases := []struct {
		name string
		in   []byte
		err  string // "" for success
	}{
		{"sub", peerBytes("SUB"), ""},
		{"xsub", peerBytes("XSUB"), ""},
		{"bad signature", mutate(0, 0x00), "signature"},
		{"zmtp 2", mutate(10, 2), "need 3.x"},
		{"plain mechanism", plain, "NULL"},
		{"push peer", peerBytes("PUSH"), "cannot talk"},
		{"no socket type", appendFrame(greeting(), flagCommand, command("READY", nil)), "cannot talk"},
		{"not ready", appendFrame(greeting(), flagCommand, command("HELLO", nil)), "expected READY"},
		{"message first", appendFrame(greeting(), 0, []byte("x")), "message frame"},
		{"truncated property", appendFrame(greeting(), flagCommand, command("READY", []byte{11, 'S'})), "truncated"},
		{"huge frame", binary.BigEndian.AppendUint64(append(greeting(), flagCommand|flagLong), 1<<40), "exceeds"},
		{"reserved flags", append(greeting(), 0x80, 0), "reserved"},
		{"short greeting", greeting()[:30], "EOF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			typ, err := handshake(bufio.NewReader(bytes.NewReader(c.in)), &out, "PUB", "SUB", "XSUB")
			if c.err == "" {
				if err != nil {
					t.Fatalf("handshake: %v", err)
				}
				if !strings.HasPrefix(c.name, strings.ToLower(typ)) {
					t.Errorf("peer type %q", typ)
				}
			} else if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want one containing %q", err, c.err)
			}
			// herd's own side: greeting then READY with Socket-Type PUB.
			if out.Len() < greetingLen || parseGreeting(out.Bytes()[:greetingLen]) != nil {
				t.Fatalf("herd's greeting does not parse: % x", out.Bytes())
			}
			if c.err == "" {
				typ, err := readReady(bytes.NewReader(out.Bytes()[greetingLen:]), []string{"PUB"})
				if err != nil || typ != "PUB" {
					t.Fatalf("herd's READY: %q, %v", typ, err)
				}
			}
		})
	}
}

func TestSubscriptions(t *testing.T) {
	var in []byte
	in = appendFrame(in, 0, []byte("\x01kv@a")) // ZMTP 3.0 subscribe
	in = appendFrame(in, flagCommand, command("SUBSCRIBE", []byte("kv@b")))
	in = appendFrame(in, 0, []byte("\x01kv@c"))
	in = appendFrame(in, 0, []byte("\x00kv@a")) // 3.0 cancel
	in = appendFrame(in, flagCommand, command("CANCEL", []byte("kv@c")))
	in = appendFrame(in, flagCommand, command("PING", []byte{0, 10, 'h', 'i'}))
	in = appendFrame(in, 0, []byte("\x02ignored"))
	sp := &subPeer{r: bufio.NewReader(bytes.NewReader(in)), out: make(chan []byte, 4)}
	sp.read()
	if want := [][]byte{[]byte("kv@b")}; !reflect.DeepEqual(sp.subs, want) {
		t.Fatalf("subscriptions %q, want %q", sp.subs, want)
	}
	for topic, want := range map[string]bool{"kv@b@pod@m": true, "kv@a@pod@m": false, "kv@c": false, "kv@": false} {
		if sp.matches([]byte(topic)) != want {
			t.Errorf("matches(%q) = %v, want %v", topic, !want, want)
		}
	}
	if len(sp.out) != 1 {
		t.Fatalf("%d frames queued, want one PONG", len(sp.out))
	}
	flags, body, err := readFrame(bytes.NewReader(<-sp.out))
	name, data, _ := parseCommand(body)
	if err != nil || flags != flagCommand || name != "PONG" || string(data) != "hi" {
		t.Fatalf("PONG frame: %#x %q %q %v", flags, name, data, err)
	}
}

func TestParseReplayRequest(t *testing.T) {
	seq := []byte{0, 0, 0, 0, 0, 0, 1, 2}
	cases := []struct {
		parts [][]byte
		start uint64
		delim bool
		ok    bool
	}{
		{[][]byte{{}, seq}, 258, true, true},
		{[][]byte{seq}, 258, false, true},
		{[][]byte{{}, seq[:7]}, 0, false, false},
		{[][]byte{{}}, 0, false, false},
		{[][]byte{{}, {}, seq}, 0, false, false},
		{[][]byte{{1}, seq}, 0, false, false},
	}
	for i, c := range cases {
		start, delim, err := parseReplayRequest(c.parts)
		if (err == nil) != c.ok || start != c.start || delim != c.delim {
			t.Errorf("case %d: %d %v %v, want %d %v ok=%v", i, start, delim, err, c.start, c.delim, c.ok)
		}
	}
}

func TestLongFrames(t *testing.T) {
	for _, n := range []int{0, 255, 256, 70000} {
		body := bytes.Repeat([]byte{7}, n)
		b := appendFrame(nil, flagMore, body)
		if long := b[0]&flagLong != 0; long != (n > 255) {
			t.Errorf("%d bytes: long flag %v", n, long)
		}
		flags, got, err := readFrame(bytes.NewReader(b))
		if n > maxInFrame {
			if err == nil {
				t.Errorf("%d bytes: read a frame above the limit", n)
			}
			continue
		}
		if err != nil || flags != flagMore|b[0]&flagLong || !bytes.Equal(got, body) {
			t.Errorf("%d bytes: %#x %d %v", n, flags, len(got), err)
		}
	}
}

// TestMsgpackEncoder checks each encoding width against an independent
// decoder.
func TestMsgpackEncoder(t *testing.T) {
	ints := []int64{0, 1, 127, 128, 255, 256, 65535, 65536, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64,
		-1, -32, -33, -128, -129, -32768, -32769, math.MinInt32, math.MinInt32 - 1, math.MinInt64}
	strs := []string{"", "a", strings.Repeat("x", 31), strings.Repeat("x", 32), strings.Repeat("x", 256), strings.Repeat("x", 70000)}
	var e enc
	e.array(len(ints) + len(strs) + 4)
	for _, v := range ints {
		e.int(v)
	}
	for _, s := range strs {
		e.str(s)
	}
	e.uint(math.MaxUint64)
	e.float64(-1.5)
	e.nil()
	e.mapHdr(16)
	for i := range 16 {
		e.str(strings.Repeat("k", i))
		e.array(0)
	}
	var got []any
	d := msgpack.NewDecoder(bytes.NewReader(e.b))
	d.UseLooseInterfaceDecoding(true)
	if err := d.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if d.Buffered().(*bytes.Reader).Len() != 0 {
		t.Fatal("trailing bytes")
	}
	for i, v := range ints {
		if got[i] != v && !(v >= 0 && got[i] == uint64(v)) {
			t.Errorf("int %d decoded as %#v", v, got[i])
		}
	}
	for i, s := range strs {
		if got[len(ints)+i] != s {
			t.Errorf("string of %d bytes decoded wrong", len(s))
		}
	}
	rest := got[len(ints)+len(strs):]
	if rest[0] != uint64(math.MaxUint64) || rest[1] != -1.5 || rest[2] != nil || len(rest[3].(map[string]any)) != 16 {
		t.Errorf("tail decoded as %#v", rest[:3])
	}
	var big enc
	big.array(70000)
	if h := big.b; h[0] != 0xdd {
		t.Errorf("array of 70000: header % x", h)
	}
}

func FuzzHandshake(f *testing.F) {
	f.Add(peerBytes("SUB"))
	f.Add(append(peerBytes("DEALER"), appendMessage(nil, [][]byte{{}, make([]byte, 8)})...))
	f.Add(greeting())
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		if _, err := handshake(r, io.Discard, "ROUTER", "REQ", "DEALER", "SUB"); err != nil {
			return
		}
		// After a handshake the socket reads messages and replay requests.
		for {
			parts, err := readMessage(r, func(string, []byte) error { return nil })
			if err != nil {
				return
			}
			if len(parts) == 0 || len(parts) > maxInParts {
				t.Fatalf("readMessage returned %d parts", len(parts))
			}
			parseReplayRequest(parts)
		}
	})
}

func FuzzSubscriptions(f *testing.F) {
	f.Add(appendFrame(nil, flagCommand, command("SUBSCRIBE", []byte("kv@"))))
	f.Add(appendFrame(appendFrame(nil, 0, []byte("\x01kv")), flagCommand, command("PING", []byte{0, 1})))
	f.Fuzz(func(t *testing.T, in []byte) {
		sp := &subPeer{r: bufio.NewReader(bytes.NewReader(in)), out: make(chan []byte, 1)}
		sp.read() // must end (EOF or protocol error) without panicking
		for _, s := range sp.subs {
			if !sp.matches(append(bytes.Clone(s), "x"...)) {
				t.Fatalf("subscription %q does not match its own extension", s)
			}
		}
	})
}

func FuzzProperties(f *testing.F) {
	f.Add(appendProperty(appendProperty(nil, "Socket-Type", "SUB"), "Identity", "x"))
	f.Fuzz(func(t *testing.T, in []byte) {
		props, err := parseProperties(in)
		if err != nil {
			return
		}
		var out []byte
		for k, v := range props {
			out = appendProperty(out, k, v)
		}
		if len(out) > len(in) {
			t.Fatalf("properties re-encode to %d bytes from %d", len(out), len(in))
		}
	})
}

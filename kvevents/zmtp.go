package kvevents

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ZMTP 3.x (https://rfc.zeromq.org/spec/23/ and /37/) with the NULL
// security mechanism: a 64-byte greeting each way, one READY command each
// way carrying the socket type, then frames. A frame is a flags byte
// (bit 0 more frames follow, bit 1 eight-byte size, bit 2 command), a size
// (one byte, or eight big-endian), and the body.

const (
	flagMore    = 0x01
	flagLong    = 0x02
	flagCommand = 0x04

	greetingLen = 64
	// maxInFrame bounds a frame read from a peer. Peers of a PUB or a
	// replay ROUTER send only subscriptions, handshakes and 8-byte
	// requests, so anything larger is an attack or a confused client.
	maxInFrame = 64 << 10
	// maxInParts bounds the frames of one incoming multipart message.
	maxInParts = 16
)

var errProtocol = errors.New("zmtp")

// greeting is what herd sends: signature, version 3.0, NULL, not as-server
// (NULL ignores it), zero filler. Speaking 3.0 makes 3.1 peers use the 3.0
// forms (subscriptions as data frames), which herd also accepts from 3.1.
func greeting() []byte {
	g := make([]byte, greetingLen)
	g[0], g[9], g[10], g[11] = 0xff, 0x7f, 3, 0
	copy(g[12:32], "NULL")
	return g
}

// parseGreeting checks a peer's 64-byte greeting: the signature, a major
// version of at least 3 and the NULL mechanism.
func parseGreeting(g []byte) error {
	if len(g) != greetingLen {
		return fmt.Errorf("%w: greeting of %d bytes, want %d", errProtocol, len(g), greetingLen)
	}
	if g[0] != 0xff || g[9]&1 != 1 {
		return fmt.Errorf("%w: bad greeting signature % x", errProtocol, g[:10])
	}
	if g[10] < 3 {
		return fmt.Errorf("%w: peer speaks ZMTP %d.%d, need 3.x", errProtocol, g[10], g[11])
	}
	mech := string(bytes.TrimRight(g[12:32], "\x00"))
	if mech != "NULL" {
		return fmt.Errorf("%w: security mechanism %q, only NULL is supported", errProtocol, mech)
	}
	return nil
}

// readFrame reads one frame of at most maxInFrame bytes.
func readFrame(r io.Reader) (flags byte, body []byte, err error) {
	var h [9]byte
	if _, err := io.ReadFull(r, h[:2]); err != nil {
		return 0, nil, err
	}
	flags = h[0]
	if flags&^(flagMore|flagLong|flagCommand) != 0 {
		return 0, nil, fmt.Errorf("%w: reserved frame flag bits set in %#02x", errProtocol, flags)
	}
	if flags&flagCommand != 0 && flags&flagMore != 0 {
		return 0, nil, fmt.Errorf("%w: command frame with the more flag (%#02x)", errProtocol, flags)
	}
	n := uint64(h[1])
	if flags&flagLong != 0 {
		if _, err := io.ReadFull(r, h[2:9]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(h[1:9])
	}
	if n > maxInFrame {
		return 0, nil, fmt.Errorf("%w: frame of %d bytes exceeds %d", errProtocol, n, maxInFrame)
	}
	body = make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	return flags, body, nil
}

// appendFrame appends one frame (short or long form as the size needs).
func appendFrame(b []byte, flags byte, body []byte) []byte {
	if len(body) > 255 {
		b = append(b, flags|flagLong)
		b = binary.BigEndian.AppendUint64(b, uint64(len(body)))
	} else {
		b = append(b, flags, byte(len(body)))
	}
	return append(b, body...)
}

// appendMessage appends a multipart message: every frame but the last has
// the more flag.
func appendMessage(b []byte, parts [][]byte) []byte {
	for i, p := range parts {
		var f byte
		if i < len(parts)-1 {
			f = flagMore
		}
		b = appendFrame(b, f, p)
	}
	return b
}

// command builds a command body: name length, name, data.
func command(name string, data []byte) []byte {
	b := append([]byte{byte(len(name))}, name...)
	return append(b, data...)
}

// parseCommand splits a command body into its name and data.
func parseCommand(body []byte) (name string, data []byte, err error) {
	if len(body) < 1 || int(body[0]) > len(body)-1 || body[0] == 0 {
		return "", nil, fmt.Errorf("%w: malformed command of %d bytes", errProtocol, len(body))
	}
	n := int(body[0])
	return string(body[1 : 1+n]), body[1+n:], nil
}

// appendProperty appends one READY metadata property.
func appendProperty(b []byte, name, value string) []byte {
	b = append(b, byte(len(name)))
	b = append(b, name...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(value)))
	return append(b, value...)
}

// parseProperties reads READY metadata: (name-len, name, value-len u32,
// value)*. Names are case-insensitive in ZMTP; keys are returned as sent.
func parseProperties(b []byte) (map[string]string, error) {
	props := map[string]string{}
	for len(b) > 0 {
		n := int(b[0])
		if n == 0 || len(b) < 1+n+4 {
			return nil, fmt.Errorf("%w: truncated metadata property", errProtocol)
		}
		name := string(b[1 : 1+n])
		b = b[1+n:]
		vl := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(vl) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: property %q value of %d bytes, %d left", errProtocol, name, vl, len(b))
		}
		props[name] = string(b[:vl])
		b = b[vl:]
	}
	return props, nil
}

// socketType returns the Socket-Type property (matched case-insensitively).
func socketType(props map[string]string) string {
	for k, v := range props {
		if bytes.EqualFold([]byte(k), []byte("Socket-Type")) {
			return v
		}
	}
	return ""
}

// handshake runs the NULL handshake on rw as a socket of type self, and
// checks the peer's type is one of accept. It returns the peer's type.
func handshake(r *bufio.Reader, w io.Writer, self string, accept ...string) (string, error) {
	if _, err := w.Write(greeting()); err != nil {
		return "", err
	}
	g := make([]byte, greetingLen)
	if _, err := io.ReadFull(r, g); err != nil {
		return "", err
	}
	if err := parseGreeting(g); err != nil {
		return "", err
	}
	ready := command("READY", appendProperty(nil, "Socket-Type", self))
	if _, err := w.Write(appendFrame(nil, flagCommand, ready)); err != nil {
		return "", err
	}
	return readReady(r, accept)
}

// readReady reads the peer's READY command and checks its socket type.
func readReady(r io.Reader, accept []string) (string, error) {
	flags, body, err := readFrame(r)
	if err != nil {
		return "", err
	}
	if flags&flagCommand == 0 {
		return "", fmt.Errorf("%w: expected READY, got a message frame", errProtocol)
	}
	name, data, err := parseCommand(body)
	if err != nil {
		return "", err
	}
	if name != "READY" {
		return "", fmt.Errorf("%w: expected READY, got command %q", errProtocol, name)
	}
	props, err := parseProperties(data)
	if err != nil {
		return "", err
	}
	peer := socketType(props)
	for _, a := range accept {
		if peer == a {
			return peer, nil
		}
	}
	return "", fmt.Errorf("%w: peer socket type %q cannot talk to this socket (want one of %v)", errProtocol, peer, accept)
}

// readMessage reads one multipart message (data frames up to one without
// the more flag). Commands between messages are passed to onCommand; one in
// the middle of a message is a protocol error.
func readMessage(r io.Reader, onCommand func(name string, data []byte) error) ([][]byte, error) {
	var parts [][]byte
	for {
		flags, body, err := readFrame(r)
		if err != nil {
			return nil, err
		}
		if flags&flagCommand != 0 {
			if len(parts) > 0 {
				return nil, fmt.Errorf("%w: command inside a multipart message", errProtocol)
			}
			name, data, err := parseCommand(body)
			if err != nil {
				return nil, err
			}
			if err := onCommand(name, data); err != nil {
				return nil, err
			}
			continue
		}
		if len(parts) == maxInParts {
			return nil, fmt.Errorf("%w: message of more than %d frames", errProtocol, maxInParts)
		}
		parts = append(parts, body)
		if flags&flagMore == 0 {
			return parts, nil
		}
	}
}

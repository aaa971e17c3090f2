package main

import (
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/herd-llm/herd/internal/lockedbuf"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/internal/version"
)

// withStdin makes herd read text from stdin, as a terminal or a pipe,
// for the rest of the test.
func withStdin(t *testing.T, text string, terminal bool) {
	t.Helper()
	oldIn, oldTerm := stdin, stdinIsTerminal
	t.Cleanup(func() { stdin, stdinIsTerminal = oldIn, oldTerm })
	stdin = strings.NewReader(text)
	stdinIsTerminal = func() bool { return terminal }
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"-version"}} {
		code, out, errOut := runHerd(args...)
		if code != 0 || out != "herd "+version.Version()+"\n" {
			t.Errorf("herd %v: exit %d stdout %q stderr %q", args, code, out, errOut)
		}
	}
}

// TestHelp: every command's -h, and herd help CMD, print the usage line,
// at least one example and the flags, and exit 0.
func TestHelp(t *testing.T) {
	for _, name := range commands.Names() {
		code, out, errOut := runHerd(name, "-h")
		if code != 0 || errOut != "" {
			t.Errorf("herd %s -h: exit %d stderr %q", name, code, errOut)
		}
		if !strings.HasPrefix(out, "Usage: herd "+name) || !strings.Contains(out, "\nExamples:\n  herd ") {
			t.Errorf("herd %s -h: no usage line or examples:\n%s", name, out)
		}
		if name != "version" && !strings.Contains(out, "\nFlags:\n  -") {
			t.Errorf("herd %s -h: no flags:\n%s", name, out)
		}
		code2, out2, _ := runHerd("help", name)
		if code2 != 0 || out2 != out {
			t.Errorf("herd help %s: exit %d, output differs from -h:\n%s", name, code2, out2)
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, _ := runHerd(args...)
		if code != 0 || !strings.Contains(out, "Commands:") || !strings.Contains(out, "  run ") {
			t.Errorf("herd %v: exit %d:\n%s", args, code, out)
		}
	}
	if code, _, errOut := runHerd(); code != 2 || !strings.Contains(errOut, "Commands:") {
		t.Errorf("herd with no command: exit %d %q", code, errOut)
	}
	// Help for a command with positional arguments names them.
	if _, out, _ := runHerd("run", "-h"); !strings.Contains(out, "Usage: herd run [flags] [PROMPT]") || !strings.Contains(out, "-threads") {
		t.Errorf("herd run -h:\n%s", out)
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct{ typed, want string }{
		{"rn", `Did you mean "rl" or "run"?`},
		{"rnu", `Did you mean "run"?`},
		{"serv", `Did you mean "serve"?`},
		{"chta", `Did you mean "chat"?`},
		{"inpsect", `Did you mean "inspect"?`},
		{"frobnicate", ""},
	} {
		for _, args := range [][]string{{tc.typed}, {"help", tc.typed}} {
			code, _, errOut := runHerd(args...)
			if code != 2 || !strings.Contains(errOut, "unknown command") {
				t.Errorf("herd %v: exit %d %q", args, code, errOut)
			}
			if tc.want != "" && !strings.Contains(errOut, tc.want) || tc.want == "" && strings.Contains(errOut, "Did you mean") {
				t.Errorf("herd %v: stderr %q, want %q", args, errOut, tc.want)
			}
		}
	}
}

// TestUsageErrorsAreShort: a usage error is one line and a pointer to -h,
// not the flag list.
func TestUsageErrorsAreShort(t *testing.T) {
	withStdin(t, "", false)
	for _, args := range [][]string{
		{"run", "--nope"},
		{"inspect", "extra"},
		{"run", "-n", "x"},
		{"chat", "extra"},
		{"serve", "--ctx", "0"},
		{"convert"},
		{"grad", "-m", "x"},
		{"logits", "--ids", "1"},
		{"tokenize"},
		{"bench", "-t", "0"},
		{"bench", "--kernels", "avx-512"},
		{"pull"},
	} {
		code, out, errOut := runHerd(args...)
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if code != 2 || out != "" || len(lines) != 2 || lines[1] != "Run 'herd "+args[0]+" -h' for usage." {
			t.Errorf("herd %v: exit %d stdout %q stderr %q; want exit 2 and two lines", args, code, out, errOut)
		}
	}
}

// TestServeDefaultCtx: serve's default --ctx 8192 is capped at the
// embedded model's 4096 positions; a given one above it is an error
// naming both numbers.
func TestServeDefaultCtx(t *testing.T) {
	// An address that cannot be listened on stops serve after the model,
	// the plan and the engine are set up.
	code, _, errOut := runHerd("serve", "--addr", "256.0.0.1:1", "--parallel", "1")
	if code != 1 || !strings.Contains(errOut, "256.0.0.1") {
		t.Fatalf("serve with the default --ctx: exit %d %q; want the listen error", code, errOut)
	}
	code, _, errOut = runHerd("serve", "--addr", "256.0.0.1:1", "--parallel", "1", "--ctx", "8192")
	if code != 1 || !strings.Contains(errOut, "--ctx 8192") || !strings.Contains(errOut, "4096") {
		t.Fatalf("serve --ctx 8192: exit %d %q", code, errOut)
	}
}

// TestRunPromptSources: the prompt comes from the argument, else a piped
// stdin; with neither and a terminal, herd run opens a chat.
func TestRunPromptSources(t *testing.T) {
	withStdin(t, "", false)
	_, want, _ := runHerd("run", "ROMEO:", "-n", "8", "--temp", "0", "-q")
	withStdin(t, "ROMEO:\n", false)
	code, out, errOut := runHerd("run", "-n", "8", "--temp", "0", "-q")
	if code != 0 || out != want {
		t.Errorf("prompt on stdin: exit %d %q %q; want %q", code, out, errOut, want)
	}
	withStdin(t, "\n", false)
	if code, _, errOut := runHerd("run", "-q"); code != 2 || !strings.Contains(errOut, "give a prompt") {
		t.Errorf("empty stdin: exit %d %q", code, errOut)
	}
	withStdin(t, "ROMEO:\n/bye\n", true)
	code, out, errOut = runHerd("run", "-n", "4", "--temp", "0", "-t", "1")
	if code != 0 || !strings.Contains(errOut, "herd chat:") || strings.TrimSpace(out) == "" {
		t.Errorf("run on a terminal: exit %d stdout %q stderr %q; want a chat with one answer", code, out, errOut)
	}
}

// TestSharedFlags: -t/--threads on run, chat and serve, and chat takes
// run's sampling flags.
func TestSharedFlags(t *testing.T) {
	withStdin(t, "", false)
	for _, args := range [][]string{
		{"run", "ROMEO:", "-n", "2", "-q", "-t", "1"},
		{"run", "ROMEO:", "-n", "2", "-q", "--threads", "2", "--top-k", "5", "--repeat-penalty", "1.1", "--repeat-last-n", "8"},
	} {
		if code, _, errOut := runHerd(args...); code != 0 {
			t.Errorf("herd %v: exit %d %s", args, code, errOut)
		}
	}
	withStdin(t, "hi\n/bye\n", true)
	code, out, errOut := runHerd("chat", "-n", "3", "--threads", "1", "--top-k", "5", "--top-p", "0.9", "--min-p", "0.1", "--repeat-penalty", "1.1", "--repeat-last-n", "16", "--seed", "3", "--temp", "0.5")
	if code != 0 || strings.TrimSpace(out) == "" {
		t.Errorf("chat with sampling flags: exit %d %q %s", code, out, errOut)
	}
	if code, _, errOut := runHerd("chat", "--top-p", "2"); code != 2 || !strings.Contains(errOut, "top-p") {
		t.Errorf("chat --top-p 2: exit %d %s", code, errOut)
	}
	if code, _, errOut := runHerd("serve", "-t", "-1", "--addr", "256.0.0.1:1"); code != 2 || !strings.Contains(errOut, "-t -1") {
		t.Errorf("serve -t -1: exit %d %s", code, errOut)
	}
}

// TestDefaultKVType: inspect plans with the KV type the other commands use.
func TestDefaultKVType(t *testing.T) {
	code, out, errOut := runHerd("inspect", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p struct {
		KV string `json:"kv_type"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.KV != modelflags.DefaultKVType {
		t.Errorf("inspect plans KV %q (%v), want %q", p.KV, err, modelflags.DefaultKVType)
	}
}

func TestTokenizeEmbedded(t *testing.T) {
	code, ids, errOut := runHerd("tokenize", "ROMEO: hello")
	if code != 0 || len(strings.Fields(ids)) == 0 {
		t.Fatalf("tokenize without -m: exit %d %q %s", code, ids, errOut)
	}
	code, text, errOut := runHerd("tokenize", "--decode", ids)
	if code != 0 || text != "ROMEO: hello\n" {
		t.Errorf("decode: exit %d %q %s", code, text, errOut)
	}
}

// TestNoGoSyntaxInOutput: quantization reports count types for people.
func TestNoGoSyntaxInOutput(t *testing.T) {
	withStdin(t, "", false)
	code, _, errOut := runHerd("run", "ROMEO:", "-n", "1", "--quant", "q8_0")
	if code != 0 || !strings.Contains(errOut, "Q8_0×") || strings.Contains(errOut, "map[") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// waitFor waits until buf holds want.
func waitFor(t *testing.T, buf *lockedbuf.Buffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(buf.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %q in %q", want, buf.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestChatCtrlCAtPrompt: Ctrl-C at the prompt says how to quit instead of
// quitting; /bye quits.
func TestChatCtrlCAtPrompt(t *testing.T) {
	sigs := make(chan chan<- os.Signal, 1)
	old := notifyInterrupt
	t.Cleanup(func() { notifyInterrupt = old })
	notifyInterrupt = func(c chan<- os.Signal) func() {
		sigs <- c
		return func() {}
	}
	r, w := io.Pipe()
	withStdin(t, "", true)
	stdin = r
	var errOut lockedbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- cmdChat(nil, io.Discard, &errOut) }()
	sig := <-sigs
	waitFor(t, &errOut, "> ")
	sig <- os.Interrupt
	waitFor(t, &errOut, "Use Ctrl+D or /bye to exit.")
	select {
	case err := <-done:
		t.Fatalf("chat quit on Ctrl-C at the prompt: %v", err)
	default:
	}
	io.WriteString(w, "/bye\n")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("/bye did not quit")
	}
}

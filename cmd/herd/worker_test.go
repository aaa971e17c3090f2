package main

import (
	"math"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/herd-llm/herd/cluster"
	"github.com/herd-llm/herd/internal/testmodel"
)

// TestWorkerProcess runs `herd worker` as a separate process (this test
// binary, re-entered) and checks that `herd logits --workers` gives the
// logits of one process bit for bit, that a leader with another secret is
// refused, and that a dead worker makes the leader fail fast with its name.
func TestWorkerProcess(t *testing.T) {
	dir := testmodel.TinyWeights(t, "f32")
	if addr := os.Getenv("HERD_TEST_WORKER_ADDR"); addr != "" { // the child
		os.Exit(mainErr([]string{"worker", "-m", dir, "--listen", addr, "-t", "1"}, os.Stdout, os.Stderr))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	const secret = "worker process test secret"
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$")
	cmd.Env = append(os.Environ(), "HERD_TEST_WORKER_ADDR="+addr, cluster.SecretEnv+"="+secret)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for deadline := time.Now().Add(30 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker never listened on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ids := "328 43 375 445 406 149 206 1 2 3 4 5 6 7 8 9 10 11 12 13"
	_, want := runLogits(t, "-m", dir, "--ids", ids)
	t.Setenv(cluster.SecretEnv, secret)
	for _, split := range []string{"2,2", "0,4"} {
		_, got := runLogits(t, "-m", dir, "--ids", ids, "--workers", addr, "--split", split)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("split %s: logit %d is %v, one process gives %v", split, i, got[i], want[i])
			}
		}
	}
	cases := []struct {
		name, secret, want string
	}{
		{"wrong secret", "a different secret of 16+ bytes", "different secrets"},
		{"no secret", "", "is not set"},
	}
	for _, tc := range cases {
		t.Setenv(cluster.SecretEnv, tc.secret)
		code, _, errOut := runHerd("logits", "-m", dir, "--ids", ids, "--workers", addr, "-o", t.TempDir()+"/x.npy")
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q; want a failure saying %q", tc.name, code, errOut, tc.want)
		}
	}
	t.Setenv(cluster.SecretEnv, secret)
	cmd.Process.Kill()
	cmd.Wait()
	start := time.Now()
	code, _, errOut := runHerd("logits", "-m", dir, "--ids", ids, "--workers", addr, "-o", t.TempDir()+"/x.npy")
	if code == 0 || !strings.Contains(errOut, addr) || time.Since(start) > 15*time.Second {
		t.Errorf("with the worker dead: exit %d after %v, %q", code, time.Since(start), errOut)
	}
}

// TestClusterFlagErrors: the pipeline flags are refused, before any model
// is loaded, where they cannot apply.
func TestClusterFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--micro-batches", "2"}, "need --workers"},
		{[]string{"run", "--micro-batches", "2", "-n", "1", "hi"}, "need --workers"},
		{[]string{"run", "--workers", "127.0.0.1:1", "--micro-batches", "-1", "hi"}, "--micro-batches -1"},
		{[]string{"bench", "--workers", "127.0.0.1:1", "--fill", "synthetic", "--depth", "8"}, "--fill synthetic with --workers"},
		{[]string{"bench", "--workers", "127.0.0.1:1", "--quant", "q8_0"}, "--quant with --workers"},
	} {
		code, _, errOut := runHerd(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("herd %v: exit %d %q; want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

package kernels

import (
	"os"
	"os/exec"
	"testing"
)

// TestLimitFamily checks each family name against what the CPU allows.
func TestLimitFamily(t *testing.T) {
	best := impls()[len(impls())-1].name
	for _, tc := range []struct {
		name, want string
		err        bool
	}{
		{"portable", "portable", false},
		{"avx2", map[bool]string{true: "avx2", false: "portable"}[haveAsm && cpu.AVX2], false},
		{"auto", best, false},
		{"avx512", best, false},
		{"avx-512", "", true},
		{"", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			useImpl(t, impls()[0])
			err := LimitFamily(tc.name)
			if tc.err {
				if err == nil {
					t.Fatalf("LimitFamily(%q) = nil, want an error", tc.name)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := Impl(); got != tc.want {
				t.Fatalf("after LimitFamily(%q), Impl() = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

// TestKernelsEnv checks that HERD_KERNELS=avx2 caps the family at start-up,
// in a child process.
func TestKernelsEnv(t *testing.T) {
	if os.Getenv("HERD_TEST_CHILD") == "1" {
		want := "portable"
		if haveAsm && cpu.AVX2 {
			want = "avx2"
		}
		if Impl() != want {
			t.Fatalf("with HERD_KERNELS=avx2, Impl() = %q, want %q", Impl(), want)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKernelsEnv$")
	cmd.Env = append(os.Environ(), "HERD_KERNELS=avx2", "HERD_TEST_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

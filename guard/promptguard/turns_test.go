package promptguard

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/guard"
)

// TestClassifierTurns: with Turns, each window's pass takes one turn of
// the shared scheduler, counted under the task's name, and the score is
// the one computed without; a pass waits while another model holds the
// compute, and a check whose context ends meanwhile stops with its error.
func TestClassifierTurns(t *testing.T) {
	c, err := LoadClassifier(filepath.Join("testdata", "tiny"))
	if err != nil {
		t.Fatal(err)
	}
	c.Window = 64
	long := strings.Repeat("ROMEO: what light through yonder window breaks? ", 20)
	want, err := c.Score(long)
	if err != nil {
		t.Fatal(err)
	}

	s := engine.NewScheduler(0)
	holder, err := s.Task("main", false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Turns, err = s.Task("prompt-guard", true); err != nil {
		t.Fatal(err)
	}
	got, err := c.ScoreContext(context.Background(), long)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("score in turns %+v %v, want %+v", got, err, want)
	}
	if st := s.Stats(); st[1].Name != "prompt-guard" || st[1].Steps != int64(want.Windows) || want.Windows < 2 {
		t.Fatalf("stats %+v for %d windows", st, want.Windows)
	}

	// The main model holds the compute: a check waits for its turn.
	entered, leave := make(chan struct{}), make(chan struct{})
	held := make(chan error)
	go func() { held <- holder.Turn(context.Background(), func() { close(entered); <-leave }) }()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	g := &Guard{C: c}
	verdict := make(chan error)
	go func() {
		_, err := g.Classify(ctx, []chat.Message{{Role: "user", Content: "hi"}}, guard.RoleUser)
		verdict <- err
	}()
	select {
	case err := <-verdict:
		t.Fatalf("a check ran while another model held the compute: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	cancel()
	if err := <-verdict; !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled check: %v", err)
	}
	// A check that waits is done once the holder's turn ends.
	go func() {
		_, err := g.Classify(context.Background(), []chat.Message{{Role: "user", Content: "hi"}}, guard.RoleUser)
		verdict <- err
	}()
	time.Sleep(5 * time.Millisecond)
	close(leave)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-verdict; err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st[1].Steps != int64(want.Windows)+1 {
		t.Fatalf("stats %+v", st)
	}
}

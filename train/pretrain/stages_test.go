package pretrain

import (
	"errors"
	"reflect"
	"testing"

	"github.com/herd-llm/herd/train"
)

// seqCase is a --seq value with the batch it scales, and what it parses
// to (bad: a usage error).
type seqCase struct {
	spec   string
	batch  int
	t0     int
	stages []train.Stage
	bad    bool
}

func TestParseSeqStages(t *testing.T) {
	for _, tc := range []seqCase{
		{spec: "128", batch: 4, t0: 128},
		{spec: "128,512@300", batch: 8, t0: 128, stages: []train.Stage{{Step: 300, SeqLen: 512, Batch: 2}}},
		{spec: "64,256@10,4096@20", batch: 2, t0: 64, stages: []train.Stage{{Step: 10, SeqLen: 256, Batch: 1}, {Step: 20, SeqLen: 4096, Batch: 1}}},
		{spec: "0", batch: 1, bad: true},
		{spec: "x", batch: 1, bad: true},
		{spec: "128,512", batch: 1, bad: true},
		{spec: "128,0@5", batch: 1, bad: true},
		{spec: "128,512@x", batch: 1, bad: true},
	} {
		t0, st, err := ParseSeqStages(tc.spec, tc.batch)
		if tc.bad {
			var u interface{ UsageError() bool }
			if err == nil || !errors.As(err, &u) || !u.UsageError() {
				t.Errorf("%q: error %v, want a usage error", tc.spec, err)
			}
			continue
		}
		if err != nil || t0 != tc.t0 || !reflect.DeepEqual(st, tc.stages) {
			t.Errorf("%q: %d %+v %v, want %d %+v", tc.spec, t0, st, err, tc.t0, tc.stages)
		}
	}
}

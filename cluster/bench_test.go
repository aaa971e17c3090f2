package cluster

import (
	"fmt"
	"testing"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// BenchmarkTransport measures what a worker call costs beyond the worker's
// own compute (encoding, TLS, HTTP/2 over loopback, decoding), per call, for
// batches whose hidden states are as large as one Maverick token (20 KiB)
// and as a 12-token Maverick prefill chunk (256 KiB). Run:
//
//	go test -run '^$' -bench Transport -benchtime 100x ./cluster/
func BenchmarkTransport(b *testing.B) {
	auth := testAuth(b, testSecret)
	leader := loadTiny(b, "")
	w := startWorker(b, loadTiny(b, ""), auth, "127.0.0.1:0")
	p, err := New(leader, Options{Workers: []string{w.addr}, Auth: auth, Ctx: 4096, Batch: 4096, KV: tensor.F32,
		Counts: []int{3, 1}, LeaderAvail: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	row := 4 * leader.Config.Hidden
	for _, bytes := range []int{row, 20 << 10, 256 << 10} {
		tokens := bytes / row
		b.Run(fmt.Sprintf("bytes=%d", bytes), func(b *testing.B) {
			toks := ids(tokens, 1)
			before := p.Stats()
			for b.Loop() {
				c, _ := p.NewCacheOf(4096, tensor.F32)
				if _, err := p.ForwardBatch([]llama4.Seq{{Cache: c, IDs: toks}}, nil); err != nil {
					b.Fatal(err)
				}
			}
			st := p.Stats()
			transport := (st.StageTime[1] - before.StageTime[1]) - (st.StageCompute[1] - before.StageCompute[1])
			b.ReportMetric(float64(transport.Microseconds())/float64(b.N), "transport-µs/call")
			b.ReportMetric(float64(st.Sent-before.Sent+st.Recv-before.Recv)/float64(b.N), "wire-bytes/call")
		})
	}
}

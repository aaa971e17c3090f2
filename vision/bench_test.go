package vision

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/tensor"
)

// randomWeights makes random weights of cfg's shapes with bf16 matrices (the
// released dtype). All encoder layers share one layer's matrices, which
// keeps the 34-layer Scout tower at about 50 MB instead of 1.6 GB and does
// not change the arithmetic per layer.
func randomWeights(cfg Config, seed uint64) *Weights {
	r := rand.New(rand.NewPCG(seed, 1))
	mat := func(rows, cols int) *tensor.Mat {
		b := make([]byte, 2*rows*cols)
		std := 1 / math.Sqrt(float64(cols))
		for i := 0; i < rows*cols; i++ {
			f := math.Float32bits(float32(r.NormFloat64() * std))
			binary.LittleEndian.PutUint16(b[2*i:], uint16(f>>16))
		}
		return &tensor.Mat{DType: tensor.BF16, Rows: rows, Cols: cols, Data: b}
	}
	vec := func(n int, mean, std float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(mean + r.NormFloat64()*std)
		}
		return v
	}
	D, F := cfg.Hidden, cfg.Intermediate
	w := &Weights{
		PatchEmbed: mat(D, cfg.PatchDim()), Class: vec(D, 0, 1), Pos: vec((cfg.Patches()+1)*D, 0, 0.5),
		PreW: vec(D, 1, 0.1), PreB: vec(D, 0, 0.1), PostW: vec(D, 1, 0.1), PostB: vec(D, 0, 0.1),
		AdapterFC1: mat(cfg.AdapterDim, cfg.ShuffledDim()), AdapterFC2: mat(cfg.OutputDim, cfg.AdapterDim),
		Projector: mat(cfg.TextHidden, cfg.OutputDim), Layers: make([]Layer, cfg.Layers),
	}
	l0 := Layer{LN1W: vec(D, 1, 0.1), LN1B: vec(D, 0, 0.1), LN2W: vec(D, 1, 0.1), LN2B: vec(D, 0, 0.1),
		Q: mat(D, D), K: mat(D, D), V: mat(D, D), O: mat(D, D), QB: vec(D, 0, 0.1), KB: vec(D, 0, 0.1),
		VB: vec(D, 0, 0.1), OB: vec(D, 0, 0.1), FC1: mat(F, D), FC1B: vec(F, 0, 0.1), FC2: mat(D, F), FC2B: vec(D, 0, 0.1)}
	for i := range w.Layers {
		w.Layers[i] = l0
	}
	return w
}

// BenchmarkEncodeTileScout times the vision tower on one tile at the
// released shape (1408 wide, 34 layers, 577 tokens, 16 heads), plus the
// pixel shuffle, adapter and projector, with random bf16 weights on 2
// threads. Run with -benchtime=1x: one tile is about a teraflop.
func BenchmarkEncodeTileScout(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	kernels.SetThreads(2)
	defer kernels.SetThreads(0)
	cfg := ScoutConfig()
	m, err := New(cfg, randomWeights(cfg, 7))
	if err != nil {
		b.Fatal(err)
	}
	tile := make([]float32, 3*cfg.TileSize*cfg.TileSize)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range tile {
		tile[i] = float32(r.Float64()*2 - 1)
	}
	dst := make([]float32, cfg.TokensPerTile()*cfg.TextHidden)
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.EncodeTile(dst, tile, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// CPU time is reported too: on a shared machine the wall time also
	// counts the time other processes held the cores.
	if cpu0 >= 0 {
		b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/tile")
	}
	for _, v := range dst {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			b.Fatal("non-finite output")
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/tile")
}

package checkpoint

import (
	"math"
	"strings"
	"testing"

	. "github.com/herd-llm/herd/model/llama4"
)

const cfgScout = "../testdata/configs/scout-17b-16e-instruct"
const cfgMaverick = "../testdata/configs/maverick-17b-128e-instruct"

func TestRealParamTotals(t *testing.T) {
	for _, tc := range []struct {
		dir                     string
		text, total, activeText int64
		moeLayers               int
		rope0, rope3            bool
	}{
		{cfgScout, 107_769_861_120, 108_641_793_536, 17_172_894_720, 48, true, false},
		{cfgMaverick, 400_711_848_960, 401_583_781_376, 17_184_691_200, 24, true, false},
	} {
		c, err := LoadConfig(tc.dir)
		if err != nil {
			t.Fatal(err)
		}
		p := c.Params()
		if p.Text != tc.text || p.Total != tc.total || p.ActiveText != tc.activeText {
			t.Errorf("%s: text %d total %d active %d; want %d %d %d", tc.dir, p.Text, p.Total, p.ActiveText, tc.text, tc.total, tc.activeText)
		}
		if p.Vision != 850_960_896 || p.Projector != 20_971_520 {
			t.Errorf("%s: vision %d projector %d", tc.dir, p.Vision, p.Projector)
		}
		if c.NumMoELayers() != tc.moeLayers || c.LayerUsesRoPE[0] != tc.rope0 || c.LayerUsesRoPE[3] != tc.rope3 {
			t.Errorf("%s: layout wrong: %d MoE layers, rope[0]=%v rope[3]=%v", tc.dir, c.NumMoELayers(), c.LayerUsesRoPE[0], c.LayerUsesRoPE[3])
		}
		if c.Prefix != "language_model." || !c.TempTuning {
			t.Errorf("%s: prefix %q temp tuning %v", tc.dir, c.Prefix, c.TempTuning)
		}
	}
}

func TestRopeTables(t *testing.T) {
	base := InvFreq(128, 500000, nil)
	for _, w := range []struct {
		i int
		v float64
	}{{0, 1.0}, {1, 0.8146172338565447}, {63, 2.455140791131609e-06}} {
		if math.Abs(float64(base[w.i])-w.v) > 1e-7*w.v {
			t.Errorf("inv_freq[%d] = %.10g, want %.10g", w.i, base[w.i], w.v)
		}
	}
	c, err := LoadConfig(cfgScout)
	if err != nil {
		t.Fatal(err)
	}
	scaled := InvFreq(c.HeadDim, c.RopeTheta, c.RopeScaling)
	for i, v := range scaled {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v <= 0 {
			t.Fatalf("Scout inv_freq[%d] = %v", i, v)
		}
		want := base[i]
		if i >= 35 {
			want = float32(float64(base[i]) / 16)
		}
		if v != want {
			t.Errorf("Scout inv_freq[%d] = %g, want %g (indices >= 35 divided by 16)", i, v, want)
		}
	}
	// Llama 3.1 values (8/1/4): 0..28 unchanged, 29..34 smoothed, 35..63 divided by 8.
	s84 := InvFreq(128, 500000, &RopeScaling{Type: "llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPos: 8192})
	for i, v := range s84 {
		switch {
		case i <= 28:
			if v != base[i] {
				t.Errorf("8/1/4 inv_freq[%d] = %g changed", i, v)
			}
		case i <= 34:
			if !(v < base[i] && v > base[i]/8) {
				t.Errorf("8/1/4 inv_freq[%d] = %g not smoothed between %g and %g", i, v, base[i]/8, base[i])
			}
		default:
			if v != float32(float64(base[i])/8) {
				t.Errorf("8/1/4 inv_freq[%d] = %g, want /8", i, v)
			}
		}
	}
	div := RopeDivisors(128, 500000, c.RopeScaling)
	if div[0] != 1 || div[34] != 1 || div[35] != 16 || div[63] != 16 {
		t.Errorf("Scout rope_freqs divisors: %v", div)
	}
}

func TestTempScaleTable(t *testing.T) {
	for _, w := range []struct {
		pos int
		s   float32
	}{{0, 1}, {8190, 1}, {8191, 1.0693147}, {16382, 1.0693147}, {16383, 1.1098612}, {32767, 1.1609438},
		{131071, 1.2833213}, {262143, 1.3496508}, {1048575, 1.4859812}, {10485759, 1.7155396}} {
		got := TempScale(w.pos, 8192, 0.1)
		if math.Abs(float64(got-w.s)) > 2e-7 {
			t.Errorf("TempScale(%d) = %.8g, want %.8g", w.pos, got, w.s)
		}
	}
}

// flat is a minimal valid llama4_text config; tests patch it.
const flat = `{"model_type":"llama4_text","vocab_size":512,"hidden_size":128,"num_hidden_layers":4,
"num_attention_heads":4,"num_key_value_heads":2,"head_dim":32,"intermediate_size":256,"intermediate_size_mlp":512,
"num_local_experts":4,"attention_chunk_size":16 %s}`

func TestConfigVariants(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra string
		check func(c *Config) string
	}{
		{"interval fallbacks", ``, func(c *Config) string {
			// no_rope_layer_interval 4 → layer 3 NoPE; interleave step 1 → all MoE.
			if c.LayerUsesRoPE[3] || !c.LayerUsesRoPE[2] || c.NumMoELayers() != 4 {
				return "wrong fallback layout"
			}
			return ""
		}},
		{"step 2", `,"interleave_moe_layer_step":2,"no_rope_layer_interval":2`, func(c *Config) string {
			if c.LayerIsMoE[0] || !c.LayerIsMoE[1] || c.LayerUsesRoPE[1] || !c.LayerUsesRoPE[0] {
				return "wrong step-2 layout"
			}
			return ""
		}},
		{"explicit empty moe list", `,"moe_layers":[]`, func(c *Config) string {
			if c.NumMoELayers() != 0 {
				return "empty moe_layers must mean all dense"
			}
			return ""
		}},
		{"temperature tuning int", `,"attn_temperature_tuning":4`, func(c *Config) string {
			if !c.TempTuning {
				return "4 must mean on"
			}
			return ""
		}},
		{"temperature tuning 0", `,"attn_temperature_tuning":0`, func(c *Config) string {
			if c.TempTuning {
				return "0 must mean off"
			}
			return ""
		}},
		{"temperature tuning false", `,"attn_temperature_tuning":false`, func(c *Config) string {
			if c.TempTuning {
				return "false must mean off"
			}
			return ""
		}},
		{"rope_parameters", `,"rope_parameters":{"rope_type":"llama3","rope_theta":10000,"factor":16,"low_freq_factor":1,"high_freq_factor":1,"original_max_position_embeddings":8192}`, func(c *Config) string {
			if c.RopeTheta != 10000 || c.RopeScaling == nil || c.RopeScaling.Factor != 16 {
				return "rope_parameters not read"
			}
			return ""
		}},
		{"rope_parameters default", `,"rope_parameters":{"rope_type":"default","rope_theta":500000}`, func(c *Config) string {
			if c.RopeScaling != nil || c.RopeTheta != 500000 {
				return "default rope_parameters"
			}
			return ""
		}},
		{"eos list", `,"eos_token_id":[1,2,3]`, func(c *Config) string {
			if !c.IsEOS(3) || c.IsEOS(4) {
				return "eos list"
			}
			return ""
		}},
		{"layer_types agree", `,"layer_types":["chunked_attention","chunked_attention","chunked_attention","full_attention"]`, func(c *Config) string { return "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(strings.Replace(flat, "%s", tc.extra, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(c); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, cfg, want string
	}{
		{"not json", `{"vocab_size":`, "not valid JSON"},
		{"missing hidden", `{"vocab_size":5,"num_hidden_layers":1,"num_attention_heads":1}`, `"hidden_size"`},
		{"wrong type", strings.Replace(flat, "%s", `,"rope_theta":"big"`, 1), "rope_theta"},
		{"no_rope length", strings.Replace(flat, "%s", `,"no_rope_layers":[1,0]`, 1), "no_rope_layers has 2 entries"},
		{"no_rope value", strings.Replace(flat, "%s", `,"no_rope_layers":[1,1,2,0]`, 1), "no_rope_layers[2]"},
		{"moe out of range", strings.Replace(flat, "%s", `,"moe_layers":[1,9]`, 1), "moe_layers names layer 9"},
		{"heads not multiple", strings.Replace(flat, "%s", `,"num_key_value_heads":3`, 1), "not a multiple"},
		{"layer_types contradict", strings.Replace(flat, "%s", `,"layer_types":["full_attention","chunked_attention","chunked_attention","full_attention"]`, 1), "contradicts no_rope_layers"},
		{"rope theta contradicts", strings.Replace(flat, "%s", `,"rope_theta":10,"rope_parameters":{"rope_type":"default","rope_theta":20}`, 1), "contradicts"},
		{"unknown rope type", strings.Replace(flat, "%s", `,"rope_scaling":{"rope_type":"yarn","factor":4}`, 1), `"yarn"`},
		{"llama3 incomplete", strings.Replace(flat, "%s", `,"rope_scaling":{"rope_type":"llama3","factor":4}`, 1), "needs factor"},
		{"temp tuning string", strings.Replace(flat, "%s", `,"attn_temperature_tuning":"yes"`, 1), "attn_temperature_tuning"},
		{"top-k too large", strings.Replace(flat, "%s", `,"num_experts_per_tok":5`, 1), "num_experts_per_tok"},
		{"odd head dim", strings.Replace(flat, "%s", `,"head_dim":31`, 1), "even"},
		{"wrong model type", `{"model_type":"llama","vocab_size":5,"hidden_size":4,"num_hidden_layers":1,"num_attention_heads":1}`, "not a Llama 4"},
		{"cond gen without text_config", `{"architectures":["Llama4ForConditionalGeneration"],"vocab_size":5,"hidden_size":4,"num_hidden_layers":1,"num_attention_heads":1}`, "no text_config"},
		{"trailing garbage", strings.Replace(flat, "%s", ``, 1) + "{}", "trailing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.cfg))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/server/internal/core"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/vision"
)

const tinyVision = "../testdata/llama4-tiny-vision"

type visionFixture struct {
	*fixture
	v *llama4.Vision
}

// newVisionFixture serves the tiny multimodal golden model, with its vision
// tower unless noVision.
func newVisionFixture(t *testing.T, noVision bool) *visionFixture {
	t.Helper()
	return newVisionServer(t, noVision, Options{})
}

// newVisionServer is newVisionFixture with server options (its model name is set here).
func newVisionServer(t testing.TB, noVision bool, so Options) *visionFixture {
	t.Helper()
	m, v := tinymodel.LoadVision(t, noVision)
	tok := tinymodel.VisionTokenizer(t)
	var em engine.Model = m
	if v != nil {
		tk, err := m.Config.ImageTokens(tok.TokenID)
		if err != nil {
			t.Fatal(err)
		}
		em = engine.VisionModel{Model: m, Vision: v, Tokens: tk}
	}
	o := engine.Options{Parallel: 2, Ctx: 256, KVType: tensor.F32, PrefillChunk: 16, QueueSize: 8}
	so.ModelName, so.Vision = "tiny-vision", v
	return &visionFixture{fixture: serve(t, em, m, tok, o, so), v: v}
}

func dataURL(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join(tinyVision, "images", name))
	if err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b)
}

func imageMessage(urls ...string) string {
	var parts []string
	for _, u := range urls {
		parts = append(parts, fmt.Sprintf(`{"type":"image_url","image_url":{"url":%q}}`, u))
	}
	parts = append(parts, `{"type":"text","text":"what is this"}`)
	return `{"model":"tiny-vision","max_tokens":6,"temperature":0,"messages":[{"role":"user","content":[` + strings.Join(parts, ",") + `]}]}`
}

// TestChatImages: image_url parts (data URLs) go through the same path as
// herd run --image: the answer and the prompt size equal a direct greedy
// decode of the fused prompt.
func TestChatImages(t *testing.T) {
	f := newVisionFixture(t, false)
	a, b := dataURL(t, "image_a.png"), dataURL(t, "image_b.png")
	resp, body := post(t, f.fixture, "/v1/chat/completions", imageMessage(a, b))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var out struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	// The reference: render, expand, encode and decode greedily by hand.
	msgs := []chat.Message{{Role: chat.RoleUser, Parts: []chat.Part{{Image: true}, {Image: true}, {Text: "what is this"}}}}
	ids, err := chat.Encode(f.tok, msgs, chat.Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := f.m.Config.ImageTokens(f.tok.TokenID)
	pa, _ := f.v.PrepareImage(mustDecodeURL(t, a))
	pb, _ := f.v.PrepareImage(mustDecodeURL(t, b))
	fused, err := f.v.Fuse(ids, []*vision.Pixels{pa, pb}, tk)
	if err != nil {
		t.Fatal(err)
	}
	if out.Usage.PromptTokens != len(fused.IDs) {
		t.Errorf("prompt_tokens %d, want %d (placeholders expanded)", out.Usage.PromptTokens, len(fused.IDs))
	}
	cache := f.m.NewCache(len(fused.IDs) + 6)
	res, err := f.m.ForwardBatch([]llama4.Seq{fused.Slice(cache, 0, len(fused.IDs), false)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	logits := res[0]
	dec := f.tok.NewDecoder(false)
	var want strings.Builder
	for k := 0; k < 6; k++ {
		id := int32(0)
		for i, x := range logits {
			if x > logits[id] {
				id = int32(i)
			}
		}
		if id == f.tok.EOT() || id == f.tok.EOS() || id == f.tok.EOM() || f.m.Config.IsEOS(int(id)) {
			break
		}
		if !f.tok.IsSpecial(id) {
			want.WriteString(dec.Add(id))
		}
		if logits, err = f.m.Forward(cache, []int32{id}, llama4.ForwardOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	want.WriteString(dec.Flush())
	if len(out.Choices) != 1 || out.Choices[0].Message.Content != want.String() {
		t.Errorf("answer %+v, want %q", out.Choices, want.String())
	}
}

// TestChatImageErrors: bad image parts are 400s naming the content part.
func TestChatImageErrors(t *testing.T) {
	f := newVisionFixture(t, false)
	bad := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\ntruncated"))
	for _, tc := range []struct {
		body, param, msg string
	}{
		{imageMessage("https://example.com/cat.png"), "messages[0].content[0]", "only data URLs are supported"},
		{imageMessage(dataURL(t, "image_a.png"), "http://example.com/x.jpg"), "messages[0].content[1]", "only data URLs are supported"},
		{imageMessage(bad), "messages[0].content[0]", "corrupt image"},
		{imageMessage("data:image/png;base64,!!!not base64"), "messages[0].content[0]", "invalid base64"},
		{imageMessage("data:text/plain;base64,aGVsbG8="), "messages[0].content[0]", "not an image"},
		{imageMessage("data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("GIF87a? a GIF header declaring 8255×28526 pixels"))), "messages[0].content[0]", "too large"},
		{imageMessage("data:image/png;base64,aGVsbG8gd29ybGQ="), "messages[0].content[0]", "unknown image format"},
	} {
		resp, body := post(t, f.fixture, "/v1/chat/completions", tc.body)
		var e struct {
			Error struct {
				Message string  `json:"message"`
				Param   *string `json:"param"`
			} `json:"error"`
		}
		json.Unmarshal(body, &e)
		if resp.StatusCode != 400 || e.Error.Param == nil || *e.Error.Param != tc.param || !strings.Contains(e.Error.Message, tc.msg) {
			t.Errorf("status %d param %v message %q; want 400, %s, %q", resp.StatusCode, e.Error.Param, e.Error.Message, tc.param, tc.msg)
		}
	}
	// A server without a vision tower refuses images clearly.
	g := newVisionFixture(t, true)
	resp, body := post(t, g.fixture, "/v1/chat/completions", imageMessage(dataURL(t, "image_a.png")))
	if resp.StatusCode != 400 || !strings.Contains(string(body), "does not take images") {
		t.Errorf("no vision: status %d %s", resp.StatusCode, body)
	}
}

func mustDecodeURL(t *testing.T, u string) []byte {
	b, err := core.ParseImageURL(u)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

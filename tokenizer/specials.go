package tokenizer

import "strconv"

// NumSpecial is the number of special tokens Llama 4 appends after the
// 200,000 ranked tokens (spec §4.3).
const NumSpecial = 2048

// Names of the special tokens the engine and the chat format use.
const (
	BeginOfText     = "<|begin_of_text|>"
	EndOfText       = "<|end_of_text|>"
	HeaderStart     = "<|header_start|>"
	HeaderEnd       = "<|header_end|>"
	EndOfMessage    = "<|eom|>"
	EndOfTurn       = "<|eot|>"
	PythonStart     = "<|python_start|>"
	PythonEnd       = "<|python_end|>"
	FinetunePad     = "<|finetune_right_pad|>"
	ImageStart      = "<|image_start|>"
	ImageEnd        = "<|image_end|>"
	Image           = "<|image|>"
	Patch           = "<|patch|>"
	TileXSeparator  = "<|tile_x_separator|>"
	TileYSeparator  = "<|tile_y_separator|>"
	ThinkingStart   = "<|reasoning_thinking_start|>"
	ThinkingEnd     = "<|reasoning_thinking_end|>"
	specialPrefix   = "<|"
	specialSuffix   = "|>"
	maxSpecialBytes = 64
)

// Llama4Specials returns the names of the 2048 Llama 4 special tokens in id
// order: name i has id 200000+i in the tiktoken file (spec §4.3, Meta's
// tokenizer.py).
func Llama4Specials() []string {
	s := make([]string, 0, NumSpecial)
	s = append(s, BeginOfText, EndOfText, "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>")
	s = append(s, HeaderStart, HeaderEnd, EndOfMessage, EndOfTurn, "<|step|>")
	s = reserved(s, "text_post_train_reserved_special_token_", 0, 6)
	s = append(s, PythonStart, PythonEnd, FinetunePad)
	s = reserved(s, "text_post_train_reserved_special_token_", 8, 61)
	s = append(s, ImageStart, ImageEnd,
		"<|vision_reserved_special_token_0|>", "<|vision_reserved_special_token_1|>",
		TileXSeparator, TileYSeparator)
	s = reserved(s, "vision_reserved_special_token_", 2, 4)
	s = append(s, Image, "<|vision_reserved_special_token_6|>", Patch)
	s = reserved(s, "vision_reserved_special_token_", 7, 1041)
	s = reserved(s, "reasoning_reserved_special_token_", 0, 8)
	s = append(s, ThinkingStart, ThinkingEnd)
	return reserved(s, "reserved_special_token_", 0, NumSpecial-len(s))
}

// reserved appends n names "<|prefix{first+i}|>".
func reserved(s []string, prefix string, first, n int) []string {
	for i := range n {
		s = append(s, specialPrefix+prefix+strconv.Itoa(first+i)+specialSuffix)
	}
	return s
}

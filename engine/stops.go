package engine

// StopIDs is the stop set of a model and its chat format: the model's
// end-of-sequence ids (llama4.Config.EOS) and the tokenizer's end tokens
// (tokenizer.Tokenizer.StopTokens: end of text, message and turn), tokenizer
// ids first, without repeats. Every generation path (herd run, herd chat,
// the server) uses it.
func StopIDs(modelEOS []int, tokenizerStops []int32) []int32 {
	var out []int32
	seen := map[int32]bool{}
	add := func(id int32) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range tokenizerStops {
		add(id)
	}
	for _, id := range modelEOS {
		add(int32(id))
	}
	return out
}

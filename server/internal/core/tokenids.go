package core

import "strconv"

// tokenIDs, when on, replaces the tokens of completion logprobs by
// "token_id:N" (vLLM's return_tokens_as_token_ids): the exact ids, which
// token texts do not give (byte tokens share the replacement character).
// RL generators need them to score the very tokens that were sampled.
func tokenIDs(lp *legacyLogprobs, toks []tokenOut, on bool) *legacyLogprobs {
	if !on {
		return lp
	}
	for i, t := range toks {
		lp.Tokens[i] = "token_id:" + strconv.Itoa(int(t.id))
	}
	return lp
}

package core

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The OpenAI request and response shapes herd accepts and returns.

// sampling are the request fields both endpoints share, embedded in each
// request (encoding/json flattens them).
type sampling struct {
	Model            string   `json:"model"`
	MaxTokens        *int     `json:"max_tokens"`
	Temperature      *float64 `json:"temperature"`
	TopP             *float64 `json:"top_p"`
	TopK             *int     `json:"top_k"`              // extension
	MinP             *float64 `json:"min_p"`              // extension
	RepeatPenalty    *float64 `json:"repetition_penalty"` // extension
	Stop             stopList `json:"stop"`
	Seed             *int64   `json:"seed"`
	N                *int     `json:"n"`
	PresencePenalty  *float64 `json:"presence_penalty"`
	FrequencyPenalty *float64 `json:"frequency_penalty"`
	Stream           bool     `json:"stream"`
	StreamOptions    *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// includeUsage reports whether a stream ends with a usage chunk.
func (p *sampling) includeUsage() bool { return p.StreamOptions != nil && p.StreamOptions.IncludeUsage }

// RequestedModel names the model a request asks for (see Decoded).
func (p *sampling) RequestedModel() string { return p.Model }

// ChatRequest is POST /v1/chat/completions.
type ChatRequest struct {
	sampling
	Messages            []ChatMessage   `json:"messages"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Logprobs            bool            `json:"logprobs"`
	TopLogprobs         *int            `json:"top_logprobs"`
	Tools               []Tool          `json:"tools"`
	ToolChoice          json.RawMessage `json:"tool_choice"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls"`
	ResponseFormat      *ResponseFormat `json:"response_format"`
}

// completionRequest is POST /v1/completions.
type completionRequest struct {
	sampling
	Prompt   json.RawMessage `json:"prompt"` // string, [string] of one, or token ids
	Logprobs *int            `json:"logprobs"`
	Echo     bool            `json:"echo"`
	// ReturnTokensAsTokenIDs writes logprobs tokens as "token_id:N" (vLLM's
	// extension; tokenids.go).
	ReturnTokensAsTokenIDs bool `json:"return_tokens_as_token_ids"`
}

// stopList accepts a string or a list of strings.
type stopList []string

func (s *stopList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*s = nil
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = stopList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("stop must be a string or a list of strings")
	}
	*s = many
	return nil
}

type ChatMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"` // string, null, or a list of parts
	Name       string          `json:"name,omitempty"`
	ToolCalls  []ToolCall      `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

// ContentPart is one element of a list-form message content.
type ContentPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL *struct {
		URL string `json:"url"`
	} `json:"image_url"`
}

type Tool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description,omitempty"`
		Parameters  json.RawMessage `json:"parameters,omitempty"`
	} `json:"function"`
}

type ToolCall struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type ResponseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
		Strict bool            `json:"strict"`
	} `json:"json_schema"`
}

type Usage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
}

type logprobEntry struct {
	Token       string       `json:"token"`
	Logprob     float32      `json:"logprob"`
	Bytes       []int        `json:"bytes"`
	TopLogprobs []topLogprob `json:"top_logprobs"`
}

type topLogprob struct {
	Token   string  `json:"token"`
	Logprob float32 `json:"logprob"`
	Bytes   []int   `json:"bytes"`
}

type chatChoice struct {
	Index        int             `json:"index"`
	Message      *replyMsg       `json:"message,omitempty"`
	Delta        *assistantMsg   `json:"delta,omitempty"`
	FinishReason *string         `json:"finish_reason"`
	Logprobs     *choiceLogprobs `json:"logprobs"`
}

type choiceLogprobs struct {
	Content []logprobEntry `json:"content"`
}

type assistantMsg struct {
	Role      string     `json:"role,omitempty"`
	Content   *string    `json:"content,omitempty"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
}

// replyMsg is a whole (non-streamed) assistant message: content is null
// when there is none, as in OpenAI's answers.
type replyMsg struct {
	Role      string     `json:"role"`
	Content   *string    `json:"content"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
}

// answer is the head both endpoints' answers (and stream chunks) share.
type answer struct {
	ID                string `json:"id"`
	Object            string `json:"object"`
	Created           int64  `json:"created"`
	Model             string `json:"model"`
	SystemFingerprint string `json:"system_fingerprint"`
	Usage             *Usage `json:"usage,omitempty"`
}

// reply is an answer or a stream chunk: the head and the choices.
type reply[C chatChoice | completionChoice] struct {
	answer
	Choices []C `json:"choices"`
}

type chatResponse = reply[chatChoice]

type completionChoice struct {
	Index        int             `json:"index"`
	Text         string          `json:"text"`
	FinishReason *string         `json:"finish_reason"`
	Logprobs     *legacyLogprobs `json:"logprobs"`
}

type completionResponse = reply[completionChoice]

package responses

import (
	"encoding/json"

	"github.com/herd-llm/herd/server/internal/core"
)

// The OpenAI Responses API shapes herd accepts and returns (POST
// /v1/responses): the request, its input items, and the response object.

// responsesRequest is POST /v1/responses. Fields herd does not use (metadata,
// user, reasoning, include, truncation and the like) are accepted and
// ignored; store is ignored (herd keeps no responses).
type responsesRequest struct {
	Model             string          `json:"model"`
	Input             json.RawMessage `json:"input"` // a string or a list of items
	Instructions      *string         `json:"instructions"`
	Tools             []responsesTool `json:"tools"`
	ToolChoice        json.RawMessage `json:"tool_choice"`
	ParallelToolCalls *bool           `json:"parallel_tool_calls"`
	Text              *struct {
		Format *responsesFormat `json:"format"`
	} `json:"text"`
	MaxOutputTokens    *int            `json:"max_output_tokens"`
	Temperature        *float64        `json:"temperature"`
	TopP               *float64        `json:"top_p"`
	TopK               *int            `json:"top_k"` // extension
	Seed               *int64          `json:"seed"`  // extension
	Stream             bool            `json:"stream"`
	Store              *bool           `json:"store"`
	PreviousResponseID *string         `json:"previous_response_id"`
	Metadata           json.RawMessage `json:"metadata"`
}

// RequestedModel names the model a request asks for (see core.Decoded).
func (r *responsesRequest) RequestedModel() string { return r.Model }

// responsesTool is a tool of a Responses request: only function tools,
// whose fields sit at the top level (not under "function" as in chat).
type responsesTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// responsesFormat is text.format: text, json_object, or json_schema with
// its schema at the top level.
type responsesFormat struct {
	Type   string          `json:"type"`
	Name   string          `json:"name,omitempty"`
	Schema json.RawMessage `json:"schema,omitempty"`
	Strict *bool           `json:"strict,omitempty"`
}

// inputItem is one item of a list input: a message (type "message" or
// none), a function_call the model made earlier, or a
// function_call_output with its result.
type inputItem struct {
	Type      string          `json:"type"`
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"` // string or a list of parts
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments string          `json:"arguments"`
	Output    json.RawMessage `json:"output"` // string or a list of parts
}

// inputPart is one part of an input message's content.
type inputPart struct {
	Type     string          `json:"type"` // input_text, output_text, input_image
	Text     string          `json:"text"`
	ImageURL json.RawMessage `json:"image_url"`
}

// responseObj is a response: the answer to a request and, with status
// "in_progress", the head of a stream.
type responseObj struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	CreatedAt          int64             `json:"created_at"`
	Status             string            `json:"status"` // in_progress, completed, incomplete
	Error              *core.APIError    `json:"error"`
	IncompleteDetails  *incompleteReason `json:"incomplete_details"`
	Instructions       *string           `json:"instructions"`
	MaxOutputTokens    *int              `json:"max_output_tokens"`
	Model              string            `json:"model"`
	Output             []*outputItem     `json:"output"`
	ParallelToolCalls  bool              `json:"parallel_tool_calls"`
	PreviousResponseID *string           `json:"previous_response_id"`
	Store              bool              `json:"store"`
	Temperature        *float64          `json:"temperature"`
	TopP               *float64          `json:"top_p"`
	Text               json.RawMessage   `json:"text"`
	ToolChoice         json.RawMessage   `json:"tool_choice"`
	Tools              []responsesTool   `json:"tools"`
	Truncation         string            `json:"truncation"`
	Metadata           json.RawMessage   `json:"metadata"`
	Usage              *responsesUsage   `json:"usage"`
}

// incompleteReason says why a response is incomplete.
type incompleteReason struct {
	Reason string `json:"reason"` // max_output_tokens
}

// outputItem is an item of a response's output: an assistant message with
// one output_text part, or a function call.
type outputItem struct {
	Type      string        `json:"type"` // message, function_call
	ID        string        `json:"id"`
	Status    string        `json:"status"` // in_progress, completed, incomplete
	Role      string        `json:"role,omitempty"`
	Content   []*outputPart `json:"content,omitzero"` // [] in a message item being opened
	CallID    string        `json:"call_id,omitempty"`
	Name      string        `json:"name,omitempty"`
	Arguments *string       `json:"arguments,omitempty"`
}

// outputPart is an output_text part of a message item.
type outputPart struct {
	Type        string `json:"type"` // output_text
	Text        string `json:"text"`
	Annotations []any  `json:"annotations"`
	Logprobs    []any  `json:"logprobs"`
}

// responsesUsage is a response's token usage.
type responsesUsage struct {
	InputTokens        int `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int `json:"total_tokens"`
}

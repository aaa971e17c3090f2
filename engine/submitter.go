package engine

import "context"

// Submitter runs generation requests on a model: *Engine implements it.
// The code that drives an engine without owning it (the server's request
// path, Llama Guard) takes a Submitter, so that tests can put fakes built
// on NewStream behind it.
type Submitter interface {
	// Submit queues a request (see Engine.Submit); errors wrapping
	// ErrInvalidRequest are the client's fault.
	Submit(ctx context.Context, r *Request) (*Stream, error)
	Ctx() int // context length per sequence, in tokens
}

package server

// Drain starts taking the server out of rotation before Serve's shutdown:
// /ready answers 503 (so a load balancer or Kubernetes stops sending new
// requests) and new POSTs get 503, while the listener stays open and running
// streams continue. Serve's graceful shutdown, when its context ends,
// follows. Drain is safe to call more than once and from any goroutine.
func (s *Server) Drain() { s.closing.Store(true) }

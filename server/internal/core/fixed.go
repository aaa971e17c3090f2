package core

import "net/http"

// FixedAnswer answers a chat completion (chatEP) or text completion request
// with text and finish reason finish instead of generating: whole, or as a
// stream when one was asked for. The guard answers unsafe requests with it.
func (s *Core) FixedAnswer(w http.ResponseWriter, chatEP, stream bool, text, finish string) {
	if chatEP {
		base := s.newAnswer("chatcmpl", "chat.completion")
		if stream {
			base.Object = "chat.completion.chunk"
			ev := NewSSE(w)
			ev.Send(reply[chatChoice]{answer: base, Choices: []chatChoice{{Index: 0, Delta: &assistantMsg{Role: "assistant", Content: &text}}}})
			ev.Send(reply[chatChoice]{answer: base, Choices: []chatChoice{{Index: 0, Delta: &assistantMsg{}, FinishReason: &finish}}})
			ev.Done()
			return
		}
		JSONOK(w, reply[chatChoice]{answer: base, Choices: []chatChoice{{Index: 0, Message: &replyMsg{Role: "assistant", Content: &text}, FinishReason: &finish}}})
		return
	}
	base := s.newAnswer("cmpl", "text_completion")
	c := completionChoice{Index: 0, Text: text, FinishReason: &finish}
	if stream {
		ev := NewSSE(w)
		ev.Send(reply[completionChoice]{answer: base, Choices: []completionChoice{c}})
		ev.Done()
		return
	}
	JSONOK(w, reply[completionChoice]{answer: base, Choices: []completionChoice{c}})
}

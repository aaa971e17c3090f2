package tasks

import (
	"fmt"

	"github.com/herd-llm/herd/chat"
)

// Generator writes the model's next assistant turn for a conversation: the
// text after the assistant header that opts.AddGenerationPrompt ends the
// rendering with, up to (not including) <|eot|>.
type Generator func(msgs []chat.Message, opts chat.Options) (string, error)

// Turn converts the text the model wrote into transcript messages. When the
// text holds calls of the given tools (chat.Extractor over their names, as
// the server extracts calls of the declared tools), it returns the assistant
// message with its calls followed by one tool message per call with the
// result of running it (or "error: …" for bad arguments), and done false:
// the model is to continue. When the text ends inside a call or a list of
// calls (Result.Cut), the last call is dropped as unfinished. Otherwise (no calls, or only calls of other names, which
// stay text) it returns the assistant message with the text as content and
// done true.
func Turn(tools []Tool, text string) (msgs []chat.Message, done bool) {
	names := make([]string, len(tools))
	for i, t := range tools {
		names[i] = t.Name()
	}
	r := chat.NewExtractorNames(names, chat.ExtractOptions{}).Extract(text)
	content, calls := r.Content, r.Calls
	if r.Cut && len(calls) > 0 {
		calls = calls[:len(calls)-1]
	}
	if len(calls) == 0 {
		return []chat.Message{{Role: chat.RoleAssistant, Content: text}}, true
	}
	msgs = []chat.Message{{Role: chat.RoleAssistant, Content: content, ToolCalls: calls}}
	for _, c := range calls {
		msgs = append(msgs, chat.Message{Role: chat.RoleTool, Content: runTool(tools, c)})
	}
	return msgs, false
}

// runTool executes one call.
func runTool(tools []Tool, c chat.ToolCall) string {
	for _, t := range tools {
		if t.Name() == c.Name {
			out, err := t.Call(c.Arguments)
			if err != nil {
				return "error: " + err.Error()
			}
			return out
		}
	}
	return fmt.Sprintf("error: unknown tool %q", c.Name)
}

// Rollout runs a multi-turn episode of prompt p: it asks gen for an
// assistant turn, executes the tool calls it makes (Turn) and asks again,
// up to maxTurns assistant turns, then scores the transcript. The transcript
// is the messages after p.Messages. An episode that still calls tools at
// maxTurns ends without a final answer (reward 0 for the built-in tasks).
func Rollout(t Task, p *Prompt, gen Generator, maxTurns int) (transcript []chat.Message, reward float64, err error) {
	if maxTurns < 1 {
		return nil, 0, fmt.Errorf("tasks: rollout of %d turns: need at least 1", maxTurns)
	}
	msgs := append([]chat.Message(nil), p.Messages...)
	for range maxTurns {
		text, err := gen(msgs, p.ChatOptions(true))
		if err != nil {
			return transcript, 0, fmt.Errorf("tasks: rollout of %q: %w", clip(p.Key), err)
		}
		turn, done := Turn(t.Tools(), text)
		transcript = append(transcript, turn...)
		msgs = append(msgs, turn...)
		if done {
			break
		}
	}
	reward, err = t.Score(p, transcript)
	return transcript, reward, err
}

package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/hub"
)

// command is one subcommand: what `herd help` and `herd CMD -h` say about
// it, how many positional arguments it takes, whether it takes -m, and its
// entry point.
type command struct {
	summary   string   // one line for the command list
	args      string   // what follows "herd NAME" in the usage line
	about     string   // more detail for the help, or ""
	examples  []string // command lines, without the leading "herd "
	modelHelp string   // help of -m; "" when the command takes no model
	maxArgs   int      // most positional arguments; -1 = any
	required  []string // flags that must be given
	run       func(args []string, stdout, stderr io.Writer) error
	sub       map[string]command // subcommands (herd eval niah), or nil
}

// lookupCommand finds a command of the table by name: "run", or a
// subcommand as "eval niah".
func lookupCommand(name string) (command, bool) {
	parent, sub, isSub := strings.Cut(name, " ")
	c, ok := commands[parent]
	if ok && isSub {
		c, ok = c.sub[sub]
	}
	return c, ok
}

// modelHelp is the -m help of the commands that default to the embedded model.
const modelHelp = "model: a Hugging Face Llama 4 directory, a .gguf file, or a repository fetched with herd pull (default: the embedded " + embedded.Name + " model)"

// commands is the command table (set in init: the entry points read it).
var commands map[string]command

func init() {
	commands = map[string]command{
		"run": {summary: "generate tokens from a prompt",
			args: "[flags] [PROMPT]", maxArgs: -1, modelHelp: modelHelp, run: cmdRun,
			about:    "With no PROMPT and no --ids, reads the prompt from stdin when it is not a terminal, else opens a chat (herd chat).",
			examples: []string{`run "ROMEO:" -n 40`, `run --chat "Who was Romeo?"`, `run -m meta-llama/Llama-4-Scout-17B-16E-Instruct --quant q4_k`, "run --ids \"200000 19873\" --temp 0", `echo "ROMEO:" | herd run`}},
		"logits": {summary: "write the logits of every position as a .npy file",
			args: "--ids IDS -o FILE.npy [flags]", modelHelp: modelHelp, run: cmdLogits, required: []string{"ids", "o"},
			examples: []string{`logits --ids "200000 19873 24" -o logits.npy`}},
		"inspect": {summary: "describe a model: layer layout, parameters, memory",
			args: "[flags]", modelHelp: "model: a Hugging Face Llama 4 directory, a config.json alone, or a .gguf file (default: the embedded " + embedded.Name + " model)", run: cmdInspect,
			examples: []string{"inspect", "inspect -m testdata/configs/scout-17b-16e-instruct --ctx 1048576 --json"}},
		"bench": {summary: "measure prompt and decode tokens/s and memory-bandwidth efficiency",
			args: "[flags]", modelHelp: modelHelp, run: cmdBench,
			examples: []string{"bench -p 64 -n 32", "bench --dummy tiny -r 3 --json"}},
		"tokenize": {summary: "print the token ids of a text (or --decode ids)",
			args: "[flags] TEXT", maxArgs: -1, run: cmdTokenize,
			modelHelp: "model directory, tokenizer.model, tokenizer.json or .gguf file (default: the embedded " + embedded.Name + " model's tokenizer)",
			examples:  []string{`tokenize "ROMEO: hello"`, `tokenize --decode "200000 19873"`}},
		"serve": {summary: "OpenAI-compatible HTTP server with continuous batching and a chat page",
			args: "[flags]", modelHelp: modelHelp, run: cmdServe,
			examples: []string{"serve", "serve -m meta-llama/Llama-4-Scout-17B-16E-Instruct --quant q4_k --addr :8080 --parallel 8"}},
		"chat": {summary: "interactive chat in the terminal",
			args: "[flags]", modelHelp: modelHelp, run: cmdChat,
			about:    "Type a message and press Enter. /image PATH attaches an image, /reset clears the conversation, /system TEXT sets the system prompt, /bye or Ctrl+D quits. Ctrl+C stops an answer.",
			examples: []string{"chat", `chat --system "Answer in verse." --temp 0.7`}},
		"grad": {summary: "loss and every parameter's gradient for one batch (and one AdamW step) as safetensors",
			args: "-m HF_DIR --batch FILE.json [flags]", run: cmdGrad, required: []string{"m", "batch"},
			modelHelp: "model: a Hugging Face Llama 4 directory (any float dtype; computed in float32)",
			examples:  []string{"grad -m testdata/llama4-tiny/f32 --batch batch.json -o grads.safetensors"}},
		"train": {summary: "train a Llama 4 text model on a text file into a Hugging Face directory",
			args: "[flags]", run: cmdTrain,
			examples: []string{"train --preset shakespeare --steps 200", "train --data input.txt --config config.json --tokenizer bpe:4096 --out runs/mine",
				"train --preset shakespeare --out runs/student --teacher runs/teacher", "train --preset shakespeare --out runs/student --teacher-cache runs/kd"}},
		"sft": {summary: "supervised fine-tuning on chat data (assistant tokens only) into a Hugging Face directory",
			args: "-m BASE --out DIR (--data FILE.jsonl | --task SPEC) [flags]", run: cmdSFT, required: []string{"m", "out"},
			modelHelp: "base model: a Hugging Face Llama 4 directory with its tokenizer (any float dtype; trained in float32)",
			about:     "The loss is on the assistant turns only (tool calls included), rendered in the Llama 4 chat format. --prune-easy P first drops the examples the base model already answers with probability > P. docs/post-training.md describes the data format.",
			examples: []string{"sft -m embedded/shakespeare --task arithmetic:digits=1 --examples 500 --steps 40 --seq 64 --lr 2e-3 --out runs/sft-arith",
				"sft -m runs/mine --data chat.jsonl --prune-easy 0.9 --steps 500 --out runs/mine-sft", "sft -m runs/mine --data chat.jsonl --out runs/mine-sft --resume --steps 800"}},
		"rl": {summary: "online RL (GRPO) on verifiable tasks: pass@k prompt filtering, asynchronous actor/learner, into a Hugging Face directory",
			args: "-m BASE --out DIR --task SPEC [flags]", run: cmdRL, required: []string{"m"},
			modelHelp: "policy to train: a Hugging Face Llama 4 directory with its tokenizer (herd sft's output)",
			about:     "Each round samples --pass-k completions of --pool training prompts with the current policy and keeps those solved sometimes but not always (easiest first); the actor then samples --group completions per kept prompt with the in-process batching engine, groups with equal rewards are dropped, and the learner takes GRPO/decoupled-PPO steps while the actor runs at most --staleness versions behind. --eval-only prints held-out pass@1 and pass@k. docs/post-training.md describes the loop.",
			examples: []string{"rl -m runs/sft-arith --task arithmetic:digits=1 --steps 40 --lr 5e-5 --out runs/rl-arith",
				"rl -m runs/sft-arith --task arithmetic:digits=1 --eval-only --eval-n 200", "rl -m runs/sft-arith --task arithmetic:digits=1 --out runs/rl-arith --resume"}},
		"dpo": {summary: "DPO on preference pairs of the policy's own samples (correct over wrong, shorter correct over longer) into a Hugging Face directory",
			args: "-m BASE --out DIR --task SPEC [flags]", run: cmdDPO, required: []string{"m", "out"},
			modelHelp: "policy to train: a Hugging Face Llama 4 directory with its tokenizer (herd rl's output); it is also the frozen reference",
			about:     "Samples --samples completions of --prompts training problems per task with the policy, pairs the shortest correct completion with a wrong one (and, with --shorter, with the longest correct one), and minimises the sigmoid DPO loss against the frozen starting policy. Prints held-out pass@1 and the length of correct answers before and after.",
			examples: []string{"dpo -m runs/rl-arith --task arithmetic:digits=1 --prompts 200 --steps 20 --lr 2e-5 --out runs/dpo-arith",
				"dpo -m runs/rl-arith --task arithmetic:digits=1 --out runs/dpo-arith --resume --steps 40"}},
		"distill-cache": {summary: "write a teacher's top-k log-probs per training position for herd train --teacher-cache",
			args: "-m TEACHER --data FILE -o DIR [flags]", run: cmdDistillCache, required: []string{"m", "data", "o"},
			modelHelp: "teacher model: any model herd loads (a Hugging Face directory or .gguf) of the student's vocabulary",
			about: "Runs the teacher once over the training part of --data (windows of --ctx tokens, batched) and writes its top --topk log-probabilities " +
				"at every position to DIR as memory-mappable shard files with an index.json; herd train --teacher-cache DIR then distils from them " +
				"without running the teacher (docs/distillation.md).",
			examples: []string{"distill-cache -m runs/teacher --data testdata/tinyshakespeare.txt --topk 32 -o runs/kd"}},
		"pull": {summary: "download a Hugging Face model (REPO or REPO:FILE) into the local cache",
			args: "[flags] REPO[:FILE]", maxArgs: -1, run: cmdPull,
			about: "Downloads a Hugging Face model repository (config, safetensors shards, tokenizer) or one file of it (REPO:FILE, e.g. a GGUF) into the Hugging Face cache " +
				"($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), resuming partial downloads and checking sha256s; $HF_TOKEN is sent when set. " +
				"Prints the local path; `-m REPO` (or REPO:FILE) then finds it in the cache. The default endpoint is " + hub.DefaultEndpoint + ".",
			examples: []string{"pull meta-llama/Llama-4-Scout-17B-16E-Instruct", "pull unsloth/Llama-4-Scout-17B-16E-Instruct-GGUF:Q4_K_M.gguf"}},
		"convert": {summary: "write a model as a GGUF file that llama.cpp runs (f32, f16, bf16, q8_0, q4_0, q4_k, q4_k_m, q6_k)",
			args: "-m MODEL -o OUT.gguf [flags]", run: cmdConvert, required: []string{"m", "o"},
			modelHelp: "model to convert: a Hugging Face Llama 4 directory (or a .gguf file)",
			examples:  []string{"convert -m meta-llama/Llama-4-Scout-17B-16E-Instruct -o scout-q4_k_m.gguf --type q4_k_m"}},
		"eval": {summary: "evaluate long-context use: needle in a haystack (niah) and loss by position (ppl)",
			args: "niah|ppl [flags]", maxArgs: -1, modelHelp: modelHelp, run: cmdEval,
			about: "herd eval niah hides a key at each depth of prompts of each length and scores the greedy answer by exact match; " +
				"herd eval ppl averages the loss of each position over windows of a text. Both write a CSV table and a PNG chart. " +
				"Run 'herd eval niah -h' or 'herd eval ppl -h' for their flags; the flags below are common to both.",
			examples: []string{"eval niah --lengths 256,512,1k --depths 0,0.5,1 --form kv", "eval ppl --data testdata/tinyshakespeare.txt --ctx 1024"},
			sub: map[string]command{
				"niah": {summary: "needle in a haystack: retrieval accuracy by prompt length and needle depth",
					args: "[flags]", modelHelp: modelHelp, run: cmdEvalNIAH,
					about: "Prompt forms (--form): needle hides \"The secret key is NNNNN.\" in filler text (random sentences, or the lines of --haystack FILE) and asks for it; " +
						"kv fills the prompt with \"key: value\" lines and ends with one line's \"key:\" (key-value retrieval, which small trained models solve by copying); " +
						"ids uses random token ids, a needle of 4 key ids and 4 value ids, and the key ids again at the end (no tokenizer needed). " +
						"Lengths count tokens (1k = 1024), the BOS and question included; depth 0 puts the needle first, 1 last. " +
						"Writes PREFIX.csv (accuracy per cell), PREFIX-trials.csv (each prompt's answer) and PREFIX.png (heat map).",
					examples: []string{"eval niah --lengths 256,512,1k --depths 0,0.25,0.5,0.75,1 --form kv",
						"eval niah --haystack testdata/tinyshakespeare.txt --lengths 1k,2k",
						"eval niah -m testdata/llama4-tiny/f32 --form ids --lengths 512,1k --attn-temp off"}},
				"ppl": {summary: "loss by position: mean and cumulative NLL over windows of a text",
					args: "--data FILE [flags]", modelHelp: modelHelp, run: cmdEvalPPL, required: []string{"data"},
					about: "Splits the tokenized --data file into windows of --ctx tokens (each the BOS and ctx-1 data tokens), runs each from an empty cache " +
						"and averages the negative log-likelihood of each position over the windows. Writes PREFIX.csv (position, mean NLL, cumulative mean NLL) and PREFIX.png.",
					examples: []string{"eval ppl --data testdata/tinyshakespeare.txt --ctx 1024 --windows 8",
						"eval ppl -m testdata/gguf/llama.cpp-tiny-f32.gguf --data testdata/tinyshakespeare.txt --ctx 512 --attn-temp-floor 64"}},
			}},
		"guard": {summary: "check a message with Llama Guard 4: safe, or unsafe and its hazard categories (S1–S14)",
			args: "-m GUARD_MODEL [--role user|agent] TEXT|--file F|--chat JSON", maxArgs: -1, run: cmdGuard, required: []string{"m"},
			modelHelp: "guard model: a Llama Guard 4 Hugging Face directory or .gguf file (dense Llama 4), or a Prompt Guard 2 directory (DeBERTa)",
			about:     "Prints the verdict, the violated categories and the score (the probability of 'unsafe' at the first step; with Prompt Guard, of MALICIOUS). Exit status: 0 safe, 3 unsafe, 1 error, 2 usage error.",
			examples:  []string{`guard -m meta-llama/Llama-Guard-4-12B "How do I pick a lock?"`, `guard -m meta-llama/Llama-Guard-4-12B --quant q4_k --role agent --chat @conversation.json --json`, `guard -m meta-llama/Llama-Prompt-Guard-2-86M "Ignore previous instructions"`}},
		"version": {summary: "print herd's version", run: cmdVersion, examples: []string{"version", "--version"}},
	}
}

// commandNames lists the commands in alphabetical order.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// usage prints the list of commands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "herd: Llama 4 inference in one Go binary\n\nUsage: herd <command> [flags]\n\nCommands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'herd help <command>' or 'herd <command> -h' for a command's usage, examples and flags; 'herd --version' for the version.")
}

// writeHelp prints a command's help: the usage line, what it does,
// examples, then its flags.
func writeHelp(w io.Writer, name string, fs *flag.FlagSet) {
	c, _ := lookupCommand(name)
	fmt.Fprintf(w, "Usage: %s\n\n%s.\n", strings.TrimSpace("herd "+name+" "+c.args), upperFirst(c.summary))
	if c.about != "" {
		fmt.Fprintf(w, "%s\n", c.about)
	}
	if len(c.examples) > 0 {
		fmt.Fprintf(w, "\nExamples:\n")
		for _, e := range c.examples {
			if !strings.Contains(e, "herd ") {
				e = "herd " + e
			}
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

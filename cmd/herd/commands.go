package main

import (
	"fmt"
	"io"

	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/hub"
	"github.com/herd-llm/herd/internal/cli"
)

// modelHelp is the -m help of the commands that default to the embedded model.
const modelHelp = "model: a Hugging Face Llama 4 directory, a .gguf file, or a repository fetched with herd pull (default: the embedded " + embedded.Name + " model)"

// commands is the command table (set in init: the entry points read it).
var commands cli.Table

func init() {
	commands = map[string]cli.Command{
		"run": {Summary: "generate tokens from a prompt",
			Args: "[flags] [PROMPT]", MaxArgs: -1, ModelHelp: modelHelp, Run: cmdRun,
			About:    "With no PROMPT and no --ids, reads the prompt from stdin when it is not a terminal, else opens a chat (herd chat).",
			Examples: []string{`run "ROMEO:" -n 40`, `run --chat "Who was Romeo?"`, `run -m meta-llama/Llama-4-Scout-17B-16E-Instruct --quant q4_k`, "run --ids \"200000 19873\" --temp 0", `echo "ROMEO:" | herd run`}},
		"logits": {Summary: "write the logits of every position as a .npy file",
			Args: "--ids IDS -o FILE.npy [flags]", ModelHelp: modelHelp, Run: cmdLogits, Required: []string{"ids", "o"},
			Examples: []string{`logits --ids "200000 19873 24" -o logits.npy`}},
		"inspect": {Summary: "describe a model: layer layout, parameters, memory",
			Args: "[flags]", ModelHelp: "model: a Hugging Face Llama 4 directory, a config.json alone, or a .gguf file (default: the embedded " + embedded.Name + " model)", Run: cmdInspect,
			Examples: []string{"inspect", "inspect -m testdata/configs/scout-17b-16e-instruct --ctx 1048576 --json"}},
		"bench": {Summary: "measure prompt and decode tokens/s and memory-bandwidth efficiency",
			Args: "[flags]", ModelHelp: modelHelp, Run: cmdBench,
			Examples: []string{"bench -p 64 -n 32", "bench --dummy tiny -r 3 --json"}},
		"tokenize": {Summary: "print the token ids of a text (or --decode ids)",
			Args: "[flags] TEXT", MaxArgs: -1, Run: cmdTokenize,
			ModelHelp: "model directory, tokenizer.model, tokenizer.json or .gguf file (default: the embedded " + embedded.Name + " model's tokenizer)",
			Examples:  []string{`tokenize "ROMEO: hello"`, `tokenize --decode "200000 19873"`}},
		"serve": {Summary: "OpenAI-compatible HTTP server with continuous batching and a chat page",
			Args: "[flags]", ModelHelp: modelHelp, Run: cmdServe,
			Examples: []string{"serve", "serve -m meta-llama/Llama-4-Scout-17B-16E-Instruct --quant q4_k --addr :8080 --parallel 8"}},
		"chat": {Summary: "interactive chat in the terminal",
			Args: "[flags]", ModelHelp: modelHelp, Run: cmdChat,
			About:    "Type a message and press Enter. /image PATH attaches an image, /reset clears the conversation, /system TEXT sets the system prompt, /bye or Ctrl+D quits. Ctrl+C stops an answer.",
			Examples: []string{"chat", `chat --system "Answer in verse." --temp 0.7`}},
		"grad": {Summary: "loss and every parameter's gradient for one batch (and one AdamW step) as safetensors",
			Args: "-m HF_DIR --batch FILE.json [flags]", Run: cmdGrad, Required: []string{"m", "batch"},
			ModelHelp: "model: a Hugging Face Llama 4 directory (any float dtype; computed in float32)",
			Examples:  []string{"grad -m testdata/llama4-tiny/f32 --batch batch.json -o grads.safetensors"}},
		"train": {Summary: "train a Llama 4 text model on a text file into a Hugging Face directory",
			Args: "[flags]", Run: cmdTrain,
			Examples: []string{"train --preset shakespeare --steps 200", "train --data input.txt --config config.json --tokenizer bpe:4096 --out runs/mine",
				"train --preset shakespeare --out runs/student --teacher runs/teacher", "train --preset shakespeare --out runs/student --teacher-cache runs/kd"}},
		"sft": {Summary: "supervised fine-tuning on chat data (assistant tokens only) into a Hugging Face directory",
			Args: "-m BASE --out DIR (--data FILE.jsonl | --task SPEC) [flags]", Run: cmdSFT, Required: []string{"m", "out"},
			ModelHelp: "base model: a Hugging Face Llama 4 directory with its tokenizer (any float dtype; trained in float32)",
			About:     "The loss is on the assistant turns only (tool calls included), rendered in the Llama 4 chat format. --prune-easy P first drops the examples the base model already answers with probability > P. docs/post-training.md describes the data format.",
			Examples: []string{"sft -m embedded/shakespeare --task arithmetic:digits=1 --examples 500 --steps 40 --seq 64 --lr 2e-3 --out runs/sft-arith",
				"sft -m runs/mine --data chat.jsonl --prune-easy 0.9 --steps 500 --out runs/mine-sft", "sft -m runs/mine --data chat.jsonl --out runs/mine-sft --resume --steps 800"}},
		"rl": {Summary: "online RL (GRPO) on verifiable tasks: pass@k prompt filtering, asynchronous actor/learner, into a Hugging Face directory",
			Args: "-m BASE --out DIR --task SPEC [flags]", Run: cmdRL, Required: []string{"m"},
			ModelHelp: "policy to train: a Hugging Face Llama 4 directory with its tokenizer (herd sft's output)",
			About:     "Each round samples --pass-k completions of --pool training prompts with the current policy and keeps those solved sometimes but not always (easiest first); the actor then samples --group completions per kept prompt with the in-process batching engine, groups with equal rewards are dropped, and the learner takes GRPO/decoupled-PPO steps while the actor runs at most --staleness versions behind. --eval-only prints held-out pass@1 and pass@k. docs/post-training.md describes the loop.",
			Examples: []string{"rl -m runs/sft-arith --task arithmetic:digits=1 --steps 40 --lr 5e-5 --out runs/rl-arith",
				"rl -m runs/sft-arith --task arithmetic:digits=1 --eval-only --eval-n 200", "rl -m runs/sft-arith --task arithmetic:digits=1 --out runs/rl-arith --resume"}},
		"dpo": {Summary: "DPO on preference pairs of the policy's own samples (correct over wrong, shorter correct over longer) into a Hugging Face directory",
			Args: "-m BASE --out DIR --task SPEC [flags]", Run: cmdDPO, Required: []string{"m", "out"},
			ModelHelp: "policy to train: a Hugging Face Llama 4 directory with its tokenizer (herd rl's output); it is also the frozen reference",
			About:     "Samples --samples completions of --prompts training problems per task with the policy, pairs the shortest correct completion with a wrong one (and, with --shorter, with the longest correct one; --shorter-only makes only those), and minimises the sigmoid DPO loss against the frozen starting policy. Prints held-out pass@1 and the length of correct answers before and after (with --temp other than 1, also of held-out samples at that temperature), and the trained policy's preference accuracy on pairs made the same way from held-out problems, which it never trains on.",
			Examples: []string{"dpo -m runs/rl-arith --task arithmetic:digits=1 --prompts 200 --steps 20 --lr 2e-5 --out runs/dpo-arith",
				"dpo -m runs/rl-arith --task arithmetic:digits=1 --out runs/dpo-arith --resume --steps 40"}},
		"distill-cache": {Summary: "write a teacher's top-k log-probs per training position for herd train --teacher-cache",
			Args: "-m TEACHER --data FILE -o DIR [flags]", Run: cmdDistillCache, Required: []string{"m", "data", "o"},
			ModelHelp: "teacher model: any model herd loads (a Hugging Face directory or .gguf) of the student's vocabulary",
			About: "Runs the teacher once over the training part of --data (windows of --ctx tokens, batched) and writes its top --topk log-probabilities " +
				"at every position to DIR as memory-mappable shard files with an index.json; herd train --teacher-cache DIR then distils from them " +
				"without running the teacher (docs/distillation.md).",
			Examples: []string{"distill-cache -m runs/teacher --data testdata/tinyshakespeare.txt --topk 32 -o runs/kd"}},
		"pull": {Summary: "download a Hugging Face model (REPO or REPO:FILE) into the local cache",
			Args: "[flags] REPO[:FILE]", MaxArgs: -1, Run: cmdPull,
			About: "Downloads a Hugging Face model repository (config, safetensors shards, tokenizer) or one file of it (REPO:FILE, e.g. a GGUF) into the Hugging Face cache " +
				"($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), resuming partial downloads and checking sha256s; $HF_TOKEN is sent when set. " +
				"Prints the local path; `-m REPO` (or REPO:FILE) then finds it in the cache. The default endpoint is " + hub.DefaultEndpoint + ".",
			Examples: []string{"pull meta-llama/Llama-4-Scout-17B-16E-Instruct", "pull unsloth/Llama-4-Scout-17B-16E-Instruct-GGUF:Q4_K_M.gguf"}},
		"convert": {Summary: "write a model as a GGUF file that llama.cpp runs (f32, f16, bf16, q8_0, q4_0, q4_k, q4_k_m, q6_k)",
			Args: "-m MODEL -o OUT.gguf [flags]", Run: cmdConvert, Required: []string{"m", "o"},
			ModelHelp: "model to convert: a Hugging Face Llama 4 directory (or a .gguf file)",
			Examples:  []string{"convert -m meta-llama/Llama-4-Scout-17B-16E-Instruct -o scout-q4_k_m.gguf --type q4_k_m"}},
		"eval": {Summary: "evaluate long-context use: needle in a haystack (niah) and loss by position (ppl)",
			Args: "niah|ppl [flags]", MaxArgs: -1, ModelHelp: modelHelp, Run: cmdEval,
			About: "herd eval niah hides a key at each depth of prompts of each length and scores the greedy answer by exact match; " +
				"herd eval ppl averages the loss of each position over windows of a text. Both write a CSV table and a PNG chart. " +
				"Run 'herd eval niah -h' or 'herd eval ppl -h' for their flags; the flags below are common to both.",
			Examples: []string{"eval niah --lengths 256,512,1k --depths 0,0.5,1 --form kv", "eval ppl --data testdata/tinyshakespeare.txt --ctx 1024"},
			Sub: map[string]cli.Command{
				"niah": {Summary: "needle in a haystack: retrieval accuracy by prompt length and needle depth",
					Args: "[flags]", ModelHelp: modelHelp, Run: cmdEvalNIAH,
					About: "Prompt forms (--form): needle hides \"The secret key is NNNNN.\" in filler text (random sentences, or the lines of --haystack FILE) and asks for it; " +
						"kv fills the prompt with \"key: value\" lines and ends with one line's \"key:\" (key-value retrieval, which small trained models solve by copying); " +
						"ids uses random token ids, a needle of 4 key ids and 4 value ids, and the key ids again at the end (no tokenizer needed). " +
						"Lengths count tokens (1k = 1024), the BOS and question included; depth 0 puts the needle first, 1 last. " +
						"Writes PREFIX.csv (accuracy per cell), PREFIX-trials.csv (each prompt's answer) and PREFIX.png (heat map).",
					Examples: []string{"eval niah --lengths 256,512,1k --depths 0,0.25,0.5,0.75,1 --form kv",
						"eval niah --haystack testdata/tinyshakespeare.txt --lengths 1k,2k",
						"eval niah -m testdata/llama4-tiny/f32 --form ids --lengths 512,1k --attn-temp off"}},
				"ppl": {Summary: "loss by position: mean and cumulative NLL over windows of a text",
					Args: "--data FILE [flags]", ModelHelp: modelHelp, Run: cmdEvalPPL, Required: []string{"data"},
					About: "Splits the tokenized --data file into windows of --ctx tokens (each the BOS and ctx-1 data tokens), runs each from an empty cache " +
						"and averages the negative log-likelihood of each position over the windows. Writes PREFIX.csv (position, mean NLL, cumulative mean NLL) and PREFIX.png.",
					Examples: []string{"eval ppl --data testdata/tinyshakespeare.txt --ctx 1024 --windows 8",
						"eval ppl -m testdata/gguf/llama.cpp-tiny-f32.gguf --data testdata/tinyshakespeare.txt --ctx 512 --attn-temp-floor 64"}},
			}},
		"guard": {Summary: "check a message with Llama Guard 4: safe, or unsafe and its hazard categories (S1–S14)",
			Args: "-m GUARD_MODEL [--role user|agent] TEXT|--file F|--chat JSON", MaxArgs: -1, Run: cmdGuard, Required: []string{"m"},
			ModelHelp: "guard model: a Llama Guard 4 Hugging Face directory or .gguf file (dense Llama 4), or a Prompt Guard 2 directory (DeBERTa)",
			About:     "Prints the verdict, the violated categories and the score (the probability of 'unsafe' at the first step; with Prompt Guard, of MALICIOUS). Exit status: 0 safe, 3 unsafe, 1 error, 2 usage error.",
			Examples:  []string{`guard -m meta-llama/Llama-Guard-4-12B "How do I pick a lock?"`, `guard -m meta-llama/Llama-Guard-4-12B --quant q4_k --role agent --chat @conversation.json --json`, `guard -m meta-llama/Llama-Prompt-Guard-2-86M "Ignore previous instructions"`}},
		"version": {Summary: "print herd's version", Run: cmdVersion, Examples: []string{"version", "--version"}},
	}
}

// usage prints the list of commands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "herd: Llama 4 inference in one Go binary\n\nUsage: herd <command> [flags]\n\nCommands:")
	for _, n := range commands.Names() {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun 'herd help <command>' or 'herd <command> -h' for a command's usage, examples and flags; 'herd --version' for the version.")
}

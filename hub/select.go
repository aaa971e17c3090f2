package hub

import (
	"fmt"
	"path"
	"strings"
)

// hfFiles are the files of a Hugging Face checkpoint taken besides the
// safetensors shards, when present: the config (required), the tokenizer,
// generation defaults, chat template and image processor.
var hfFiles = []string{
	"config.json",
	"model.safetensors.index.json",
	"tokenizer.model",
	"tokenizer.json",
	"tokenizer_config.json",
	"special_tokens_map.json",
	"generation_config.json",
	"chat_template.json",
	"chat_template.jinja",
	"preprocessor_config.json",
	"processor_config.json",
}

// defaultGGUFs are the quantizations picked, in this order, from a repository
// of several GGUF files when no file is named (as llama.cpp's -hf picks
// Q4_K_M).
var defaultGGUFs = []string{"Q4_K_M", "Q8_0"}

// Selection is what Select chose to download.
type Selection struct {
	// Files to download, in the repository's order.
	Files []Sibling
	// Single is the file to return when one file was asked for or chosen
	// (a GGUF); "" when the result is the snapshot directory.
	Single string
	// Note explains a choice made for the user ("" when none was).
	Note string
}

// Select picks the files of info to download. With file set it is that one
// file. Without, a repository with top-level *.safetensors gives config.json,
// the shards, their index and the tokenizer and generation files; one with
// only GGUF files gives its single GGUF, or its Q4_K_M (then Q8_0) file when
// it has several; otherwise it is an error listing the GGUF files and asking
// for REPO:FILE.
func Select(info *RepoInfo, repo, file string) (Selection, error) {
	if file != "" {
		s, ok := info.Lookup(file)
		if !ok {
			return Selection{}, fmt.Errorf("%s: file %s at commit %s: %w%s", repo, file, info.SHA, ErrNotFound, notFoundHint(info, file))
		}
		return Selection{Files: []Sibling{s}, Single: file}, nil
	}
	var shards, ggufs []Sibling
	for _, s := range info.Siblings {
		if strings.Contains(s.Name, "/") {
			continue
		}
		switch strings.ToLower(path.Ext(s.Name)) {
		case ".safetensors":
			shards = append(shards, s)
		case ".gguf":
			if !strings.HasPrefix(strings.ToLower(s.Name), "mmproj") {
				ggufs = append(ggufs, s)
			}
		}
	}
	if len(shards) > 0 {
		if _, ok := info.Lookup("config.json"); !ok {
			return Selection{}, fmt.Errorf("%s has safetensors files but no config.json: not a Hugging Face model directory", repo)
		}
		var sel Selection
		for _, n := range hfFiles {
			if s, ok := info.Lookup(n); ok {
				sel.Files = append(sel.Files, s)
			}
		}
		sel.Files = append(sel.Files, shards...)
		return sel, nil
	}
	switch len(ggufs) {
	case 0:
		return Selection{}, fmt.Errorf("%s has neither safetensors nor GGUF files at its top level (name one file as %s:FILE)", repo, repo)
	case 1:
		return Selection{Files: ggufs, Single: ggufs[0].Name}, nil
	}
	for _, q := range defaultGGUFs {
		var match []Sibling
		for _, s := range ggufs {
			if strings.Contains(strings.ToUpper(s.Name), q) && !isSplitGGUF(s.Name) {
				match = append(match, s)
			}
		}
		if len(match) == 1 {
			return Selection{Files: match, Single: match[0].Name,
				Note: fmt.Sprintf("%s has %d GGUF files; taking the %s one, %s (name another as %s:FILE)", repo, len(ggufs), q, match[0].Name, repo)}, nil
		}
	}
	names := make([]string, len(ggufs))
	for i, s := range ggufs {
		names[i] = fmt.Sprintf("  %s:%s (%s)", repo, s.Name, HumanBytes(s.Size))
	}
	return Selection{}, fmt.Errorf("%s has %d GGUF files and no single Q4_K_M or Q8_0 one; name one as REPO:FILE:\n%s", repo, len(ggufs), strings.Join(names, "\n"))
}

// isSplitGGUF reports whether name is one part of a split GGUF
// ("…-00001-of-00003.gguf"), which herd does not load.
func isSplitGGUF(name string) bool {
	base := strings.TrimSuffix(strings.ToLower(name), ".gguf")
	i := strings.LastIndex(base, "-of-")
	return i > 0 && i+4 < len(base) && strings.Trim(base[i+4:], "0123456789") == ""
}

// notFoundHint lists, for a file not found, the repository's files with the
// same extension, as a message suffix ("" when none or too many).
func notFoundHint(info *RepoInfo, file string) string {
	ext := strings.ToLower(path.Ext(file))
	var names []string
	for _, s := range info.Siblings {
		if ext != "" && strings.ToLower(path.Ext(s.Name)) == ext {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 || len(names) > 20 {
		return ""
	}
	return " (its " + ext + " files: " + strings.Join(names, ", ") + ")"
}

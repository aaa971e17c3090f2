module github.com/herd-llm/herd

go 1.26

package chat

// callList reads the comma-separated calls of a list after [ up to its
// closing ]; item reads one call. trailingComma allows a comma before ].
func (p *callParser) callList(trailingComma bool, item func() error) error {
	p.pos++ // [
	for n := 0; ; n++ {
		p.space()
		if n > 0 {
			if p.peek() == ']' {
				p.pos++
				return nil
			}
			if err := p.expect(','); err != nil {
				return err
			}
			p.space()
			if trailingComma && p.peek() == ']' {
				p.pos++
				return nil
			}
		}
		if err := item(); err != nil {
			return err
		}
	}
}

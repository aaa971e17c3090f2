package train

// SetDocumentMask makes Forward treat every occurrence of token bos in a
// row as the start of a new packed document (bos < 0: off, the default):
// attention does not cross document boundaries, and positions (RoPE
// angles, NoPE temperature scales, attention chunks) restart at each
// document, so each document is computed as if it ran alone from position
// 0, as inference runs it.
func (ws *Workspace[F]) SetDocumentMask(bos int32) { ws.docBOS = bos }

// markDocs finds the documents of the rows in ws.ids.
func (ws *Workspace[F]) markDocs() {
	if ws.docBOS < 0 {
		ws.docs.Start, ws.docs.End = nil, nil
		return
	}
	ws.docs.Mark(ws.B, ws.T, func(n int) bool { return ws.ids[n] == ws.docBOS })
}

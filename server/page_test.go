package server

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium binary (Debian's package installs /usr/bin/chromium).
func chromium() string {
	for _, p := range []string{os.Getenv("HERD_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// browser starts headless Chromium on url (skipping the test without one)
// and returns a context for its actions, limited to a minute.
func browser(t *testing.T, url string) context.Context {
	t.Helper()
	bin := chromium()
	if bin == "" {
		t.Skip("no Chromium installed (Debian package chromium; .ci/run installs it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 700),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(tcancel)
	return tctx
}

// answered waits until the last assistant message has finished streaming
// with some text.
var answered = chromedp.Poll[chromedp.Void](`(() => { const a = document.querySelectorAll(".assistant"); return a.length > 0 && !a[a.length-1].classList.contains("streaming") && a[a.length-1].textContent.length > 0; })()`, chromedp.WithPollingTimeout(30*time.Second))

// TestChatPage drives the embedded chat page in headless Chromium: it types
// a message, sends it, and waits for the streamed answer to appear. With
// HERD_SCREENSHOT=path it also saves a screenshot.
func TestChatPage(t *testing.T) {
	f := newScripted(t, replies)
	tctx := browser(t, f.ts.URL+"/")
	err := chromedp.Do(tctx,
		chromedp.WaitVisible("#input"),
		chromedp.Poll[chromedp.Void](`document.getElementById("model").textContent.startsWith("scripted")`, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.SendKeys("#input", "Say hello"),
		chromedp.Click("#send"),
		answered,
	)
	if err != nil {
		t.Fatal(err)
	}
	model, err := chromedp.Run(tctx, chromedp.Text("#model"))
	if err != nil {
		t.Fatal(err)
	}
	answer, err := chromedp.Run(tctx, chromedp.Text(".assistant"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(model, "scripted") {
		t.Errorf("model info %q", model)
	}
	if answer != "Hello from herd. The answer is 42." {
		t.Fatalf("page shows %q", answer)
	}
	if path := os.Getenv("HERD_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestChatPageAPIKey: against a server started with an API key, the page
// says a key is needed (model info and a 401 message), offers the key
// field, and once the key is entered there (kept in localStorage, sent as a
// bearer token) loads the model and chats; after a reload the stored key
// still works.
func TestChatPageAPIKey(t *testing.T) {
	f := newScripted(t, replies)
	srv := New(f.m.Config, f.tok, f.eng, Options{ModelName: "scripted", APIKey: "sekret"})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	tctx := browser(t, ts.URL+"/")
	poll := func(js string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(20*time.Second))
	}
	// No key: the model info and a sent message say so; the message is given back.
	err := chromedp.Do(tctx,
		poll(`document.getElementById("model").textContent === "API key required" && !document.getElementById("keybox").hidden`),
		chromedp.SendKeys("#input", "Say hello"),
		chromedp.Click("#send"),
		poll(`document.querySelectorAll(".error").length === 1`),
	)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(tctx, chromedp.Text(".error"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "401") || !strings.Contains(msg, "API key") {
		t.Fatalf("401 message %q", msg)
	}
	input, err := chromedp.Run(tctx, chromedp.Value("#input"))
	if err != nil || input != "Say hello" {
		t.Fatalf("message not given back: %q %v", input, err)
	}
	// A wrong key is rejected too.
	err = chromedp.Do(tctx,
		chromedp.SendKeys("#apikey", "wrong\n"),
		poll(`document.getElementById("model").textContent === "API key rejected"`),
		chromedp.Evaluate[chromedp.Void](`(document.getElementById("apikey").value = "", {})`),
		chromedp.SendKeys("#apikey", "sekret\n"),
		poll(`document.getElementById("model").textContent.startsWith("scripted")`),
		chromedp.Click("#send"),
		answered,
	)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := chromedp.Run(tctx, chromedp.Text(".assistant"))
	if err != nil || answer != "Hello from herd. The answer is 42." {
		t.Fatalf("page shows %q (%v)", answer, err)
	}
	stored, err := chromedp.Run(tctx, chromedp.Evaluate[string](`localStorage.getItem("herd.apiKey")`))
	if err != nil || stored != "sekret" {
		t.Fatalf("stored key %q (%v)", stored, err)
	}
	// After a reload the stored key is used at once.
	err = chromedp.Do(tctx,
		chromedp.Reload(),
		poll(`document.getElementById("model").textContent.startsWith("scripted") && document.getElementById("apikey").value === "sekret"`),
	)
	if err != nil {
		t.Fatal(err)
	}
}

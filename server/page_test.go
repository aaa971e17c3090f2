package server

import (
	"context"
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

// TestChatPage drives the embedded chat page in headless Chromium: it types
// a message, sends it, and waits for the streamed answer to appear. With
// HERD_SCREENSHOT=path it also saves a screenshot.
func TestChatPage(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no Chromium installed (Debian package chromium; .ci/run installs it)")
	}
	f := newScripted(t, replies)
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
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()
	err := chromedp.Do(tctx,
		chromedp.WaitVisible("#input"),
		chromedp.Poll[chromedp.Void](`document.getElementById("model").textContent.startsWith("scripted")`, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.SendKeys("#input", "Say hello"),
		chromedp.Click("#send"),
		chromedp.Poll[chromedp.Void](`(() => { const a = document.querySelectorAll(".assistant"); return a.length > 0 && !a[a.length-1].classList.contains("streaming") && a[a.length-1].textContent.length > 0; })()`, chromedp.WithPollingTimeout(30*time.Second)),
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

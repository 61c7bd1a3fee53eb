package main

import (
	"fmt"
	"net/url"
	"os/exec"

	"github.com/spf13/cobra"
)

// webUIURL is the address that logs a browser in to the lab's web UI:
// /api/v1/login trades the token for a cookie and redirects to the page.
func webUIURL(hostport, token string) string {
	return "http://" + hostport + "/api/v1/login?" + url.Values{"token": {token}}.Encode()
}

// openBrowser opens u with the desktop's opener when there is one, and
// otherwise says to open it by hand. The URL goes on the command line of
// the opener only, never into the daemon's log.
func openBrowser(cmd *cobra.Command, u string) {
	for _, opener := range []string{"xdg-open", "sensible-browser", "x-www-browser", "open"} {
		path, err := exec.LookPath(opener)
		if err != nil {
			continue
		}
		c := exec.Command(path, u)
		c.Stdout, c.Stderr = nil, nil
		if err := c.Start(); err != nil {
			continue
		}
		go c.Wait() // the opener may outlive its work; reap it when it ends
		fmt.Fprintf(cmd.ErrOrStderr(), "opened the web UI with %s\n", opener)
		return
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "no browser opener found (xdg-open, sensible-browser): open the web UI address above by hand\n")
}

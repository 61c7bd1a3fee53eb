package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/intercloud/intercloud/internal/api"
)

func newOpenrcCmd() *cobra.Command {
	var out outputFormat
	var project string
	var admin bool
	cmd := &cobra.Command{
		Use:   "openrc CLOUD",
		Short: "Print the OS_* environment for using a cloud of the running lab with the openstack CLI",
		Long: `Print, as DevStack's openrc does, the environment variables the openstack CLI
(and gophercloud, Terraform, ...) needs to use CLOUD of the running lab: the
lab's Keystone, CLOUD as the region, and CLOUD's demo user and project, or
the admin user and project with --admin. Every seeded user's password is
printed too: a lab holds nothing secret.`,
		Example: "  eval \"$(intercloud openrc cloud1)\"; openstack network list\n" +
			"  intercloud openrc cloud2 --admin\n" +
			"  intercloud openrc cloud1 --project demo-cloud1 -o json",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := client(cmd).OpenStack(cmd.Context())
			if err != nil {
				return notRunning(err)
			}
			cloud := args[0]
			region, ok := o.Region(cloud)
			if !ok {
				return &exitError{code: 1, msg: fmt.Sprintf("intercloud: no cloud %q in the running lab (clouds: %s)",
					cloud, strings.Join(regionNames(o), ", "))}
			}
			user, proj := region.User, region.Project
			if admin {
				user, proj = o.AdminUser, o.AdminProject
			}
			if project != "" {
				proj = project
			}
			env := openrcEnv(o, region, user, proj)
			if out.value != "sh" {
				m := map[string]string{}
				for _, kv := range env {
					m[kv[0]] = kv[1]
				}
				return writeStructured(cmd.OutOrStdout(), out.value, m)
			}
			return writeExports(cmd.OutOrStdout(), env)
		},
	}
	cmd.Flags().StringVar(&project, "project", "", "project to scope to (default: the cloud's demo project, or admin with --admin)")
	cmd.Flags().BoolVar(&admin, "admin", false, "use the admin user (and the admin project)")
	out.registerDefault(cmd, "sh", "sh", "json", "yaml")
	return cmd
}

// openrcEnv is the environment, in DevStack's order.
func openrcEnv(o *api.OpenStack, region api.OpenStackRegion, user, project string) [][2]string {
	return [][2]string{
		{"OS_AUTH_URL", o.AuthURL},
		{"OS_USERNAME", user},
		{"OS_PASSWORD", o.Password},
		{"OS_PROJECT_NAME", project},
		{"OS_REGION_NAME", region.Name},
		{"OS_USER_DOMAIN_NAME", o.Domain},
		{"OS_PROJECT_DOMAIN_NAME", o.Domain},
		{"OS_IDENTITY_API_VERSION", "3"},
	}
}

// writeExports prints export lines a POSIX shell can eval.
func writeExports(w io.Writer, env [][2]string) error {
	for _, kv := range env {
		if _, err := fmt.Fprintf(w, "export %s=%s\n", kv[0], shellQuote(kv[1])); err != nil {
			return err
		}
	}
	return nil
}

// shellQuote leaves a value made of safe characters alone and puts
// anything else in single quotes.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

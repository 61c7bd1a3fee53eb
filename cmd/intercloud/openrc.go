package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/intercloud/intercloud/internal/api"
)

// defaultDomainID is the id of Keystone's Default domain, which holds every
// seeded user and project; DevStack's openrc names domains by id too.
const defaultDomainID = "default"

func newOpenrcCmd() *cobra.Command {
	var out outputFormat
	var project, cloudsYAML string
	var admin bool
	cmd := &cobra.Command{
		Use:   "openrc CLOUD | openrc [CLOUD] --clouds-yaml[=FILE]",
		Short: "Print the OS_* environment, or a clouds.yaml, for using the clouds of the running lab",
		Long: `Print, as DevStack's openrc does, the environment variables the openstack CLI,
gophercloud and Terraform need to use CLOUD of the running lab: the lab's
Keystone, CLOUD as the region, and CLOUD's demo user and project, or the
admin user and project with --admin. Every seeded user's password is
printed too: a lab holds nothing secret.

With --clouds-yaml, print instead a clouds.yaml with two entries per cloud
(every cloud, or CLOUD alone), as DevStack writes devstack and
devstack-admin: CLOUD for its demo user and CLOUD-admin for the admin, for
"openstack --os-cloud CLOUD". --clouds-yaml=FILE writes FILE instead,
keeping the entries of other clouds it already has.`,
		Example: "  eval \"$(intercloud openrc cloud1)\"; openstack network list\n" +
			"  intercloud openrc cloud2 --admin\n" +
			"  intercloud openrc cloud1 --project demo-cloud1 -o json\n" +
			"  intercloud openrc --clouds-yaml=$HOME/.config/openstack/clouds.yaml; openstack --os-cloud cloud1 network list",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			yamlOut := cmd.Flags().Changed("clouds-yaml")
			if !yamlOut && len(args) == 0 {
				return &exitError{code: 2, msg: "intercloud: openrc needs CLOUD (or --clouds-yaml for every cloud)"}
			}
			if yamlOut && (admin || project != "") {
				return &exitError{code: 2, msg: "intercloud: --clouds-yaml writes both the demo and the admin entry; --admin and --project do not apply"}
			}
			o, err := client(cmd).OpenStack(cmd.Context())
			if err != nil {
				return notRunning(err)
			}
			regions := o.Regions
			if len(args) == 1 {
				region, ok := o.Region(args[0])
				if !ok {
					msg := fmt.Sprintf("intercloud: no cloud %q in the running lab (clouds: %s)", args[0], strings.Join(regionNames(o), ", "))
					if yamlOut && cloudsYAML == "-" {
						msg += "; to write a file, give it as --clouds-yaml=FILE"
					}
					return &exitError{code: 1, msg: msg}
				}
				regions = []api.OpenStackRegion{region}
			}
			if yamlOut {
				return writeCloudsYAML(cmd.OutOrStdout(), cloudsYAML, cloudEntries(o, regions))
			}
			region := regions[0]
			user, proj, projID := region.User, region.Project, region.ProjectID
			if admin {
				user, proj, projID = o.AdminUser, o.AdminProject, o.AdminProjectID
			}
			if project != "" && project != proj {
				// Only the seeded projects' ids are known here.
				proj, projID = project, ""
				if project == o.AdminProject {
					projID = o.AdminProjectID
				}
			}
			env := openrcEnv(o, region, user, proj, projID)
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
	cmd.Flags().StringVar(&cloudsYAML, "clouds-yaml", "", "print a clouds.yaml (or, with =FILE, write FILE) instead of the environment")
	cmd.Flags().Lookup("clouds-yaml").NoOptDefVal = "-"
	out.registerDefault(cmd, "sh", "sh", "json", "yaml")
	return cmd
}

// openrcEnv is the environment, in DevStack's order. DevStack names the
// user's and the project's domains by id; OS_DOMAIN_ID is added because
// gophercloud's AuthOptionsFromEnv reads a user's domain only from it, and
// the openstack CLI and gophercloud's clientconfig (Terraform) only use it
// as the default of those two when a project is given, so it never scopes
// the token to the domain. Names and ids of one domain are not both
// printed: clientconfig refuses a user domain given both ways.
func openrcEnv(o *api.OpenStack, region api.OpenStackRegion, user, project, projectID string) [][2]string {
	env := [][2]string{
		{"OS_AUTH_URL", o.AuthURL},
		{"OS_AUTH_TYPE", "password"},
		{"OS_USERNAME", user},
		{"OS_PASSWORD", o.Password},
		{"OS_PROJECT_NAME", project},
	}
	if projectID != "" {
		env = append(env, [2]string{"OS_PROJECT_ID", projectID})
	}
	return append(env,
		[2]string{"OS_REGION_NAME", region.Name},
		[2]string{"OS_USER_DOMAIN_ID", defaultDomainID},
		[2]string{"OS_PROJECT_DOMAIN_ID", defaultDomainID},
		[2]string{"OS_DOMAIN_ID", defaultDomainID},
		[2]string{"OS_IDENTITY_API_VERSION", "3"},
	)
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

// cloudEntry is one entry of clouds.yaml, shaped as DevStack writes it.
type cloudEntry struct {
	Auth struct {
		AuthURL         string `yaml:"auth_url"`
		Username        string `yaml:"username"`
		Password        string `yaml:"password"`
		UserDomainID    string `yaml:"user_domain_id"`
		ProjectName     string `yaml:"project_name"`
		ProjectID       string `yaml:"project_id,omitempty"`
		ProjectDomainID string `yaml:"project_domain_id"`
	} `yaml:"auth"`
	RegionName         string `yaml:"region_name"`
	IdentityAPIVersion int    `yaml:"identity_api_version"`
}

type namedEntry struct {
	name  string
	entry cloudEntry
}

// cloudEntries are CLOUD (its demo user) and CLOUD-admin for each region.
func cloudEntries(o *api.OpenStack, regions []api.OpenStackRegion) []namedEntry {
	entry := func(r api.OpenStackRegion, user, project, projectID string) cloudEntry {
		var e cloudEntry
		e.Auth.AuthURL, e.Auth.Username, e.Auth.Password = o.AuthURL, user, o.Password
		e.Auth.UserDomainID, e.Auth.ProjectDomainID = defaultDomainID, defaultDomainID
		e.Auth.ProjectName, e.Auth.ProjectID = project, projectID
		e.RegionName, e.IdentityAPIVersion = r.Name, 3
		return e
	}
	var out []namedEntry
	for _, r := range regions {
		out = append(out,
			namedEntry{r.Name, entry(r, r.User, r.Project, r.ProjectID)},
			namedEntry{r.Name + "-admin", entry(r, o.AdminUser, o.AdminProject, o.AdminProjectID)})
	}
	return out
}

// writeCloudsYAML prints the entries as a clouds.yaml on w when path is
// "-", or writes them into the clouds.yaml at path: entries of the same
// name are replaced, every other entry and comment is kept, and a file
// that is not a clouds.yaml is left untouched with an error.
func writeCloudsYAML(w io.Writer, path string, entries []namedEntry) error {
	var doc yaml.Node
	if path != "-" {
		old, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return &exitError{code: 1, msg: "intercloud: " + err.Error()}
		default:
			if err := decodeOneDocument(old, &doc); err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("intercloud: %s: %v, left as it is", path, err)}
			}
		}
	}
	clouds, err := cloudsMapping(&doc)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("intercloud: %s: %v, left as it is", path, err)}
	}
	for _, e := range entries {
		var v yaml.Node
		if err := v.Encode(e.entry); err != nil {
			return err
		}
		setKey(clouds, e.name, &v)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if path == "-" {
		_, err := w.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return &exitError{code: 1, msg: "intercloud: " + err.Error()}
	}
	_, err = fmt.Fprintf(w, "wrote %d clouds to %s\n", len(entries), path)
	return err
}

// decodeOneDocument decodes data, which must be at most one YAML document:
// writing back only the first of several would lose the others.
func decodeOneDocument(data []byte, doc *yaml.Node) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(doc); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("not YAML: %w", err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return errors.New("more than one YAML document")
	}
	// What a client could not read (a key twice, ...) is not ours to fix.
	var v any
	if err := doc.Decode(&v); err != nil && doc.Kind != 0 {
		return fmt.Errorf("not YAML a client reads: %w", err)
	}
	return nil
}

// cloudsMapping returns the mapping under the document's top-level
// "clouds" key, making the document and the key when they are missing.
func cloudsMapping(doc *yaml.Node) (*yaml.Node, error) {
	if doc.Kind == 0 {
		doc.Kind = yaml.DocumentNode
	}
	if len(doc.Content) == 0 {
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode}}
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, errors.New("the top level is not a mapping")
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "clouds" {
			if top.Content[i+1].Kind != yaml.MappingNode {
				return nil, errors.New(`"clouds" is not a mapping`)
			}
			return top.Content[i+1], nil
		}
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	top.Content = append(top.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "clouds"}, m)
	return m, nil
}

// setKey replaces the value of key in mapping m, or appends the pair.
func setKey(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory, readable by its owner only (it holds passwords), so an
// interrupted write leaves the old file whole.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".clouds-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename there is nothing to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

package orm_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportedNamesHaveDocs checks that every exported name in the module
// tree (the mongo module too) has a doc comment starting with its name.
func TestExportedNamesHaveDocs(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		check := func(name string, doc *ast.CommentGroup, pos token.Pos) {
			if !ast.IsExported(name) {
				return
			}
			text := ""
			if doc != nil {
				text = doc.Text()
			}
			first := strings.Fields(text)
			if len(first) == 0 || (first[0] != name && !(len(first) > 1 && (first[0] == "A" || first[0] == "An" || first[0] == "The") && first[1] == name)) {
				t.Errorf("%s: %s has no doc comment starting with its name", fset.Position(pos), name)
			}
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil {
					recv := d.Recv.List[0].Type
					if star, ok := recv.(*ast.StarExpr); ok {
						recv = star.X
					}
					if idx, ok := recv.(*ast.IndexExpr); ok {
						recv = idx.X
					}
					if id, ok := recv.(*ast.Ident); !ok || !ast.IsExported(id.Name) {
						continue
					}
				}
				check(d.Name.Name, d.Doc, d.Pos())
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						doc := s.Doc
						if doc == nil {
							doc = d.Doc
						}
						check(s.Name.Name, doc, s.Pos())
					case *ast.ValueSpec:
						if d.Lparen.IsValid() && d.Doc != nil {
							continue // a documented group of constants or variables
						}
						doc := s.Doc
						if doc == nil {
							doc = d.Doc
						}
						for _, n := range s.Names {
							check(n.Name, doc, n.Pos())
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

package orm_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

// A Ref encodes its loaded target, and a Collection its loaded members,
// one level deep: inside them, Refs and Collections are keys, so a
// volume's shelf's volumes (which hold the volume) end the encoding. A key
// decodes into a Ref by key.
func ExampleRef_MarshalJSON() {
	ctx := context.Background()
	b, _ := sqlite.Open(ctx, ":memory:")
	db, _ := orm.Open(b, orm.Entities(&Shelf{}, &Volume{}))
	defer db.Close()
	_ = db.CreateSchema(ctx)
	s := db.Session()
	shelf := &Shelf{Name: "poetry"}
	shelf.Books.Add(&Volume{Title: "Odes"}, &Volume{Title: "Elegies"})
	s.Persist(shelf)
	_ = s.Flush(ctx)

	sh, _ := orm.Repo[Shelf](db.Session()).Get(ctx, shelf.ID, orm.Populate("Books"))
	out, _ := json.Marshal(sh)
	fmt.Println(string(out))
	out, _ = json.Marshal(sh.Books.Items()[0]) // its Shelf is loaded: the same *Shelf
	fmt.Println(string(out))

	var v Volume
	_ = json.Unmarshal([]byte(`{"Title": "Hymns", "Shelf": 1}`), &v)
	fmt.Printf("%v %T %v\n", v.Shelf.ID(), v.Shelf.ID(), v.Shelf.Get() == nil)
	// Output:
	// {"ID":1,"Name":"poetry","Books":[{"ID":1,"Title":"Odes","Shelf":1},{"ID":2,"Title":"Elegies","Shelf":1}]}
	// {"ID":1,"Title":"Odes","Shelf":{"ID":1,"Name":"poetry","Books":[1,2]}}
	// 1 int64 true
}

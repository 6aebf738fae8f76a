# Vertex and edge records: the values of the graph's KV keys (graph/FORMAT.md).
# Read in place from the engine's mapping. Frozen for format version 1: add
# fields only with new ordinals; never renumber or change a type.
@0x80cd15a558448ac9;

struct Property {
  name @0 :UInt32;            # Interned property name.
  value :union {
    int64 @1 :Int64;
    float64 @2 :Float64;
    text @3 :Text;
    bool @4 :Bool;
    timestamp @5 :Int64;      # Microseconds since the Unix epoch.
    int64List @6 :List(Int64);
    float64List @7 :List(Float64);
    textList @8 :List(Text);
  }
}

struct Record {
  label @0 :UInt32;           # Interned label (vertices; 0 for edges).
  properties @1 :List(Property);  # Sorted by name, no duplicates.
}

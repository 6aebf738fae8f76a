// Uses the installed graph library the way the README's "Using the graph"
// example does: writes a small social graph with imported history, reads it
// now and as of the past, runs Boost.Graph's breadth_first_search on a
// snapshot through the adaptor and a Graphalytics kernel on a CSR copy.
// Usage: graph_app DB_DIR. Returns 0 on success.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "boost/graph/breadth_first_search.hpp"
#include "zverse/graph/algorithms.h"
#include "zverse/graph/boost_graph.h"
#include "zverse/graph/csr.h"
#include "zverse/graph/graph_db.h"
#include "zverse/query/syntax.h"
#include "zverse/query/traversal.h"

namespace {

namespace graph = zverse::graph;

int Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "graph consumer: %s: %s\n", what,
               status.ToString().c_str());
  return 1;
}

int Wrong(const char* what) {
  std::fprintf(stderr, "graph consumer: wrong result: %s\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DB_DIR\n", argv[0]);
    return 2;
  }
  auto db = graph::GraphDb::Open(argv[1]);
  if (!db.ok()) return Fail("Open", db.status());

  // History first: three people and a friendship, as of 2020-01-01
  // (per-operation import timestamps keep each record's own time).
  const graph::Timestamp t2020 = 1577836800000000;
  graph::GraphBatch history;
  for (graph::VertexId v : {1, 2, 3}) {
    history.PutVertex(
        v, "Person",
        {{"name", std::string(1, static_cast<char>('A' + v - 1))}}, t2020);
  }
  history.PutEdge(1, "knows", 2, {{"since", int64_t{2020}}}, t2020);
  if (auto t = (*db)->Apply(history); !t.ok()) {
    return Fail("Apply (history)", t.status());
  }
  // Now: a second friendship, then the first one ends.
  if (auto t = (*db)->PutEdge(2, "knows", 3); !t.ok()) {
    return Fail("PutEdge", t.status());
  }
  if (auto t = (*db)->RemoveEdge(1, "knows", 2); !t.ok()) {
    return Fail("RemoveEdge", t.status());
  }

  auto now = (*db)->GetSnapshot();
  auto then = (*db)->GetSnapshot(t2020);
  if (!now.ok()) return Fail("GetSnapshot (now)", now.status());
  if (!then.ok()) return Fail("GetSnapshot (2020)", then.status());
  auto knows = now->LabelIdOf("knows");
  if (!knows.ok()) return Fail("LabelIdOf", knows.status());
  auto friends_now = now->OutNeighbors(1, *knows);
  auto friends_then = then->OutNeighbors(1, *knows);
  if (!friends_now.ok()) return Fail("OutNeighbors", friends_now.status());
  if (!friends_then.ok()) return Fail("OutNeighbors", friends_then.status());
  if (!friends_now->empty() ||
      *friends_then != std::vector<graph::VertexId>{2}) {
    return Wrong("1's friends now and in 2020");
  }
  auto props = then->VertexProperties(2);
  if (!props.ok()) return Fail("VertexProperties", props.status());
  if (props->size() != 1 || (*props)[0].name != "name") {
    return Wrong("2's properties");
  }

  // Boost.Graph's own BFS on the present snapshot: hops from vertex 2.
  auto g = graph::SnapshotGraph::Make(*now);
  if (!g.ok()) return Fail("SnapshotGraph::Make", g.status());
  std::vector<int> hops(num_vertices(*g), -1);
  const auto start = *g->index_of(2);
  hops[start] = 0;
  struct Recorder : boost::default_bfs_visitor {
    std::vector<int>* hops;
    void tree_edge(graph::SnapshotEdge e, const graph::SnapshotGraph& gr) {
      (*hops)[target(e, gr)] = (*hops)[source(e, gr)] + 1;
    }
  } recorder;
  recorder.hops = &hops;
  boost::breadth_first_search(*g, start, boost::visitor(recorder));
  if (!g->status().ok()) return Fail("breadth_first_search", g->status());
  if (hops[*g->index_of(3)] != 1 || hops[*g->index_of(1)] != -1) {
    return Wrong("BFS hops from 2");
  }

  // A Graphalytics kernel on a CSR copy of the 2020 snapshot.
  auto csr = graph::CsrGraph::FromSnapshot(*then);
  if (!csr.ok()) return Fail("CsrGraph::FromSnapshot", csr.status());
  auto wcc = graph::Wcc(*csr);
  if (!wcc.ok()) return Fail("Wcc", wcc.status());
  if ((*wcc)[*csr->index_of(2)] != 1 || (*wcc)[*csr->index_of(3)] != 3) {
    return Wrong("WCC as of 2020");
  }

  // The query layer: the fluent API and the textual syntax agree.
  auto fluent = zverse::query::Traversal(*now).V(2).Out("knows").Ids();
  if (!fluent.ok()) return Fail("Traversal", fluent.status());
  auto parsed = zverse::query::ParseQuery("V(2).out(knows).ids()");
  if (!parsed.ok()) return Fail("ParseQuery", parsed.status());
  auto text = zverse::query::RunQuery(*now, *parsed);
  if (!text.ok()) return Fail("RunQuery", text.status());
  if (*fluent != std::vector<graph::VertexId>{3} || text->rows.size() != 1 ||
      text->rows[0][0] != "3") {
    return Wrong("2's friends through the query layer");
  }

  auto versions = (*db)->EdgeHistory(1, "knows", 2);
  if (!versions.ok()) return Fail("EdgeHistory", versions.status());
  if (versions->size() != 2 || !(*versions)[0].removed) {
    return Wrong("history of 1 -knows-> 2");
  }
  if (absl::Status s = (*db)->Close(); !s.ok()) return Fail("Close", s);
  std::printf("graph consumer: ok\n");
  return 0;
}

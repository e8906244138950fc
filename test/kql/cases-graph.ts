/**
 * Conformance cases for the graph operators (graph-operators.md; issue #12): make-graph,
 * graph-match, graph-shortest-paths, graph-to-table, graph-mark-components and the graph functions
 * all(), any(), map(), inner_nodes(), node_degree_in(), node_degree_out(), node_id().
 *
 * First every example of the docs that builds its graph from datatables, verbatim, with its
 * documented output (where the docs contradict themselves, a comment says how and what is
 * expected); then edge cases (empty graph, self-loops, cycles and the cycles= option, duplicate
 * edges, null ids, two node tables, partitions, components) and the errors: a graph is not a table,
 * graph('model') does not exist in Log Analytics, and the limits of plan-graph.ts.
 */
import type { Case } from './cases.js';

export const GRAPH_CASES: Case[] = [
  // ───────────── the docs' examples ─────────────
  // all-graph-function.md #1
  { q: `let connections = datatable(from_station:string, to_station:string, line:string) 
[ 
  "Central", "North", "red",
  "North", "Central", "red", 
  "Central", "South",  "red", 
  "South", "Central",  "red", 
  "South", "South-West", "red", 
  "South-West", "South", "red", 
  "South-West", "West", "red", 
  "West", "South-West", "red", 
  "Central", "East", "blue", 
  "East", "Central", "blue", 
  "Central", "West", "blue",
  "West", "Central", "blue",
]; 
connections 
| make-graph from_station --> to_station with_node_id=station
| graph-match (start)-[outward*1..5]->(destination)-[return*1..5]->(start)
  where start.station != destination.station and 
        all(outward, line == "red") and
        all(return, line == "blue") 
  project from = start.station, 
          outward_stations = strcat_array(map(inner_nodes(outward), station), "->"), 
          to = destination.station, 
          return_stations = strcat_array(map(inner_nodes(return), station), "->"), 
          back=start.station`, cols: ["from:string", "outward_stations:string", "to:string", "return_stations:string", "back:string"], rows: [["Central", "North->Central->South->South-West", "West", "", "Central"], ["Central", "North->Central->South->South-West", "West", "Central->East", "Central"], ["Central", "South->South-West", "West", "", "Central"], ["Central", "South->South-West", "West", "Central->East", "Central"], ["West", "South-West->South->Central->North", "Central", "East->Central", "West"], ["West", "South-West->South->Central->North", "Central", "", "West"], ["West", "South-West->South", "Central", "East->Central", "West"], ["West", "South-West->South", "Central", "", "West"]] },
  // all-graph-function.md #2
  { q: `let connections = datatable(from_station:string, to_station:string, line:string) 
[ 
  "Central", "North", "red",
  "North", "Central", "red", 
  "Central", "South",  "red", 
  "South", "Central",  "red", 
  "South", "South-West", "red", 
  "South-West", "South", "red", 
  "South-West", "West", "red", 
  "West", "South-West", "red", 
  "Central", "East", "blue", 
  "East", "Central", "blue", 
  "Central", "West", "blue",
  "West", "Central", "blue",
]; 
let stations = datatable(station:string, wifi: bool) 
[ 
  "Central", true,
  "North", false,
  "South", false,
  "South-West", true,
  "West", true,
  "East", false
];
connections 
| make-graph from_station --> to_station with stations on station
| graph-shortest-paths (start)-[connections*2..5]->(destination)
  where start.station == "South-West" and
        destination.station == "North" and 
        all(inner_nodes(connections), wifi)
  project from = start.station, 
          stations = strcat_array(map(inner_nodes(connections), station), "->"), 
          to = destination.station`, cols: ["from:string", "stations:string", "to:string"], rows: [["South-West", "West->Central", "North"]] },
  // any-graph-function.md #1
  { q: `// Locations table (nodes)
let Locations = datatable(LocationName: string, LocationType: string) [
    "New York", "City",
    "San Francisco", "City",
    "Chicago", "City",
    "Los Angeles", "City",
    "Seattle", "Warehouse"
];
// Routes table (edges)
let Routes = datatable(OriginLocationID: string, DestinationLocationID: string, TransportMode: string) [
    "New York", "San Francisco", "Truck",
    "New York", "Chicago", "Train",
    "San Francisco", "Los Angeles", "Truck",
    "Chicago", "Seattle", "Train",
    "Los Angeles", "New York", "Truck",
    "Seattle", "San Francisco", "Train"
];
Routes
| make-graph OriginLocationID --> DestinationLocationID with Locations on LocationName
| graph-match (src)-[route*1..2]->(dest)
  where any(route, TransportMode == "Train")
  project src.LocationName, 
        dest.LocationName, 
        route_TransportModes = map(route, TransportMode)`, cols: ["src_LocationName:string", "dest_LocationName:string", "route_TransportModes:dynamic"], rows: [["New York", "Chicago", "[\"Train\"]"], ["New York", "Seattle", "[\"Train\",\"Train\"]"], ["Chicago", "San Francisco", "[\"Train\",\"Train\"]"], ["Chicago", "Seattle", "[\"Train\"]"], ["Los Angeles", "Chicago", "[\"Truck\",\"Train\"]"], ["Seattle", "San Francisco", "[\"Train\"]"], ["Seattle", "Los Angeles", "[\"Train\",\"Truck\"]"]] },
  // any-graph-function.md #2
  { q: `let connections = datatable(from_station:string, to_station:string, line:string) 
[ 
  "Central", "North", "red",
  "North", "Central", "red", 
  "Central", "South",  "red", 
  "South", "Central",  "red", 
  "South", "South-West", "red", 
  "South-West", "South", "red", 
  "South-West", "West", "red", 
  "West", "South-West", "red", 
  "Central", "East", "blue", 
  "East", "Central", "blue", 
  "Central", "West", "blue",
  "West", "Central", "blue",
]; 
let stations = datatable(station:string, wifi: bool) 
[ 
  "Central", true,
  "North", false,
  "South", false,
  "South-West", true,
  "West", true,
  "East", false
];
connections 
| make-graph from_station --> to_station with stations on station
| graph-match cycles=none  (start)-[connections*2..5]->(destination)
  where start.station == "South-West" and
        destination.station == "North" and 
        any(inner_nodes(connections), wifi)
  project from = start.station, 
          stations = strcat_array(map(inner_nodes(connections), station), "->"), 
          to = destination.station`, cols: ["from:string", "stations:string", "to:string"], rows: [["South-West", "South->Central", "North"], ["South-West", "West->Central", "North"]] },
  // graph-best-practices.md #1
  { q: `let allEmployees = datatable(organization: string, name:string, age:long)
[
  "R&D", "Alice", 32,
  "R&D","Bob", 31,
  "R&D","Eve", 27,
  "R&D","Mallory", 29,
  "Marketing", "Alex", 35
];
let allReports = datatable(employee:string, manager:string, modificationDate: datetime)
[
  "Bob", "Alice", datetime(2022-05-23),
  "Bob", "Eve", datetime(2023-01-01),
  "Eve", "Mallory", datetime(2022-05-23),
  "Alice", "Dave", datetime(2022-05-23)
];
let filteredEmployees =
    allEmployees
    | where organization == "R&D"
    | project-away age, organization;
let filteredReports =
    allReports
    | summarize arg_max(modificationDate, *) by employee
    | project-away modificationDate;
filteredReports
| make-graph employee --> manager with filteredEmployees on name
| graph-match (employee)-[hasManager*2..5]-(manager)
  where employee.name == "Bob"
  project employee = employee.name, topManager = manager.name`, cols: ["employee:string", "topManager:string"], rows: [["Bob", "Mallory"]] },
  // graph-mark-components-operator.md #1
  { q: `let ChildOf = datatable(child:string, parent:string) 
[ 
  "Alice", "Bob",  
  "Carol", "Alice",  
  "Carol", "Dave",  
  "Greg", "Alice",  
  "Greg", "Dave",  
  "Howard", "Alice",  
  "Howard", "Dave",  
  "Eve", "Frank",  
  "Frank", "Mallory",
  "Eve", "Kirk",
]; 
ChildOf 
| make-graph child --> parent with_node_id=name
| graph-mark-components with_component_id = family
| graph-to-table nodes`, cols: ["name:string", "family:long"], rows: [["Alice", 0], ["Bob", 0], ["Carol", 0], ["Dave", 0], ["Greg", 0], ["Howard", 0], ["Eve", 1], ["Frank", 1], ["Mallory", 1], ["Kirk", 1]] },
  // graph-mark-components-operator.md #2
  { q: `let ChildOf = datatable(child:string, parent:string) 
[ 
  "Alice", "Bob",  
  "Carol", "Alice",  
  "Carol", "Dave",  
  "Greg", "Alice",  
  "Greg", "Dave",  
  "Howard", "Alice",  
  "Howard", "Dave",  
  "Eve", "Frank",  
  "Frank", "Mallory",
  "Eve", "Kirk",
]; 
ChildOf 
| make-graph child --> parent with_node_id=name
| graph-mark-components with_component_id = family
| graph-match (descendant)-[childOf*1..5]->(ancestor)
  project name = ancestor.name, lineage = map(childOf, child), family = ancestor.family
| summarize (generations, name) = arg_max(array_length(lineage),name) by family`, cols: ["family:long", "generations:long", "name:string"], rows: [[0, 2, "Bob"], [1, 2, "Mallory"]] },
  // graph-match-operator.md #1
  { q: `let employees = datatable(name:string, age:long) 
[ 
  "Alice", 32,  
  "Bob", 31,  
  "Eve", 27,  
  "Joe", 29,  
  "Chris", 45, 
  "Alex", 35,
  "Ben", 23,
  "Richard", 39,
]; 
let reports = datatable(employee:string, manager:string) 
[ 
  "Bob", "Alice",  
  "Chris", "Alice",  
  "Eve", "Bob",
  "Ben", "Chris",
  "Joe", "Alice", 
  "Richard", "Bob"
]; 
reports 
| make-graph employee --> manager with employees on name 
| graph-match (alice)<-[reports*1..5]-(employee)
  where alice.name == "Alice" and employee.age < 30
  project employee = employee.name, age = employee.age, reportingPath = map(reports, manager)`, cols: ["employee:string", "age:long", "reportingPath:dynamic"], rows: [["Eve", 27, "[\"Alice\",\"Bob\"]"], ["Joe", 29, "[\"Alice\"]"], ["Ben", 23, "[\"Alice\",\"Chris\"]"]] },
  // graph-match-operator.md #2
  { q: `let Entities = datatable(name:string, type:string, age:long) 
[ 
  "Alice", "Person", 23,  
  "Bob", "Person", 31,  
  "Eve", "Person", 17,  
  "Mallory", "Person", 29,  
  "Apollo", "System", 99 
]; 
let Actions = datatable(source:string, destination:string, action_type:string) 
[ 
  "Alice", "Bob", "communicatesWith",  
  "Alice", "Apollo", "trusts",  
  "Bob", "Apollo", "hasPermission",  
  "Eve", "Alice", "attacks",  
  "Mallory", "Alice", "attacks",  
  "Mallory", "Bob", "attacks"  
]; 
Actions 
| make-graph source --> destination with Entities on name 
| graph-match (mallory)-[attacks]->(compromised)-[hasPermission]->(apollo) 
  where mallory.name == "Mallory" and apollo.name == "Apollo" and attacks.action_type == "attacks" and hasPermission.action_type == "hasPermission" 
  project Attacker = mallory.name, Compromised = compromised.name, System = apollo.name`, cols: ["Attacker:string", "Compromised:string", "System:string"], rows: [["Mallory", "Bob", "Apollo"]] },
  // graph-match-operator.md #3
  { q: `let Entities = datatable(name:string, type:string, age:long) 
[ 
  "Alice", "Person", 23,  
  "Bob", "Person", 31,  
  "Eve", "Person", 17,  
  "Mallory", "Person", 29,  
  "Apollo", "System", 99 
]; 
let Actions = datatable(source:string, destination:string, action_type:string) 
[ 
  "Alice", "Bob", "communicatesWith",  
  "Alice", "Apollo", "trusts",  
  "Bob", "Apollo", "hasPermission",  
  "Eve", "Alice", "attacks",  
  "Mallory", "Alice", "attacks",  
  "Mallory", "Bob", "attacks"  
]; 
Actions 
| make-graph source --> destination with Entities on name 
| graph-match (mallory)-[attacks]->(compromised)-[hasPermission]->(apollo), (compromised)-[communicates]-(alice) 
  where mallory.name == "Mallory" and apollo.name == "Apollo" and attacks.action_type == "attacks" and hasPermission.action_type == "hasPermission" and alice.name == "Alice"
  project Attacker = mallory.name, Compromised = compromised.name, System = apollo.name`, cols: ["Attacker:string", "Compromised:string", "System:string"], rows: [["Mallory", "Bob", "Apollo"]] },
  // graph-scenarios.md #1: the docs' example has empty Users and Knows tables: no match
  { q: `let Users = datatable (UserId:string , name:string , org:string)[]; // nodes
let Knows = datatable (FirstUser:string , SecondUser:string)[]; // edges
Knows
| make-graph FirstUser --> SecondUser with Users on UserId
| graph-match (user)-->(middle_man)-->(friendOfAFriend)
    where user.org == "Contoso" and user.UserId != friendOfAFriend.UserId
    project contoso_person = user.name, middle_man = middle_man.name, kusto_friend_of_friend = friendOfAFriend.name`, cols: ["contoso_person:string", "middle_man:string", "kusto_friend_of_friend:string"], rows: [] },
  // graph-shortest-paths-operator.md #1
  { q: `let connections = datatable(from_station:string, to_station:string, line:string) 
[ 
  "Central", "North", "red",
  "North", "Central", "red", 
  "Central", "South",  "red", 
  "South", "Central",  "red", 
  "South", "South-West", "red", 
  "South-West", "South", "red", 
  "South-West", "West", "red", 
  "West", "South-West", "red", 
  "Central", "East", "blue", 
  "East", "Central", "blue", 
  "Central", "West", "blue",
  "West", "Central", "blue",
]; 
connections 
| make-graph from_station --> to_station with_node_id=station
| graph-shortest-paths (start)-[connections*1..5]->(destination)
  where start.station == "South-West" and destination.station == "North"
  project from = start.station, path = map(connections, to_station), line = map(connections, line), to = destination.station`, cols: ["from:string", "path:dynamic", "line:dynamic", "to:string"], rows: [["South-West", "[\"South\",\"Central\",\"North\"]", "[\"red\",\"red\",\"red\"]", "North"]] },
  // graph-shortest-paths-operator.md #2
  { q: `let connections = datatable(from_station:string, to_station:string, line:string) 
[ 
  "Central", "North", "red",
  "North", "Central", "red", 
  "Central", "South",  "red", 
  "South", "Central",  "red", 
  "South", "South-West", "red", 
  "South-West", "South", "red", 
  "South-West", "West", "red", 
  "West", "South-West", "red", 
  "Central", "East", "blue", 
  "East", "Central", "blue", 
  "Central", "West", "blue",
  "West", "Central", "blue",
]; 
connections 
| make-graph from_station --> to_station with_node_id=station
| graph-shortest-paths output=all (start)-[connections*1..5]->(destination)
  where start.station == "South-West" and destination.station == "North"
  project from = start.station, path = map(connections, to_station), line = map(connections, line), to = destination.station`, cols: ["from:string", "path:dynamic", "line:dynamic", "to:string"], rows: [["South-West", "[\"South\",\"Central\",\"North\"]", "[\"red\",\"red\",\"red\"]", "North"], ["South-West", "[\"West\",\"Central\",\"North\"]", "[\"red\",\"blue\",\"red\"]", "North"]] },
  // graph-to-table-operator.md #1
  { q: `let nodes = datatable(name:string, type:string, age:long) 
[ 
	"Alice", "Person", 23,  
	"Bob", "Person", 31,  
	"Eve", "Person", 17,  
	"Mallory", "Person", 29,  
	"Trent", "System", 99 
]; 
let edges = datatable(source:string, destination:string, edge_type:string) 
[ 
	"Alice", "Bob", "communicatesWith",  
	"Alice", "Trent", "trusts",  
	"Bob", "Trent", "hasPermission",  
	"Eve", "Alice", "attacks",  
	"Mallory", "Alice", "attacks",  
	"Mallory", "Bob", "attacks"  
]; 
edges 
| make-graph source --> destination with nodes on name
| graph-to-table edges with_source_id=SourceId with_target_id=TargetId`, cols: ["SourceId:long", "TargetId:long", "source:string", "destination:string", "edge_type:string"], rows: [[-3122868243544336885n, -7133945255344544237n, "Alice", "Bob", "communicatesWith"], [-3122868243544336885n, 2533909231875758225n, "Alice", "Trent", "trusts"], [-7133945255344544237n, 2533909231875758225n, "Bob", "Trent", "hasPermission"], [4363395278938690453n, -3122868243544336885n, "Eve", "Alice", "attacks"], [3855580634910899594n, -3122868243544336885n, "Mallory", "Alice", "attacks"], [3855580634910899594n, -7133945255344544237n, "Mallory", "Bob", "attacks"]] },
  // graph-to-table-operator.md #2
  { q: `let nodes = datatable(name:string, type:string, age:long) 
[ 
	"Alice", "Person", 23,  
	"Bob", "Person", 31,  
	"Eve", "Person", 17,
	"Trent", "System", 99
]; 
let edges = datatable(source:string, destination:string, edge_type:string) 
[ 
	"Alice", "Bob", "communicatesWith",  
	"Alice", "Trent", "trusts",  
	"Bob", "Trent", "hasPermission",  
	"Eve", "Alice", "attacks",  
	"Mallory", "Alice", "attacks",  
	"Mallory", "Bob", "attacks"
]; 
edges 
| make-graph source --> destination with nodes on name
| graph-to-table nodes with_node_id=NodeId`, cols: ["NodeId:long", "name:string", "type:string", "age:long"], rows: [[-3122868243544336885n, "Alice", "Person", 23], [-7133945255344544237n, "Bob", "Person", 31], [4363395278938690453n, "Eve", "Person", 17], [2533909231875758225n, "Trent", "System", 99], [3855580634910899594n, "Mallory", "", null]] },
  // inner-nodes-graph-function.md #1
  { q: `let employees = datatable(name:string, age:long) 
[ 
  "Alice", 32,  
  "Bob", 31,  
  "Eve", 27,  
  "Joe", 29,  
  "Chris", 45, 
  "Alex", 35,
  "Ben", 23,
  "Richard", 39,
]; 
let reports = datatable(employee:string, manager:string) 
[ 
  "Bob", "Alice",  
  "Chris", "Alice",  
  "Eve", "Bob",
  "Ben", "Chris",
  "Joe", "Alice", 
  "Richard", "Bob"
]; 
reports 
| make-graph employee --> manager with employees on name 
| graph-match (manager)<-[reports*1..5]-(employee)
  where manager.name == "Alice" and all(inner_nodes(reports), age < 40)
  project employee = employee.name, manager = manager.name, reportingPath = map(inner_nodes(reports), name)`, cols: ["employee:string", "manager:string", "reportingPath:dynamic"], rows: [["Bob", "Alice", "[]"], ["Eve", "Alice", "[\"Bob\"]"], ["Joe", "Alice", "[]"], ["Chris", "Alice", "[]"], ["Richard", "Alice", "[\"Bob\"]"]] },
  // make-graph-operator.md #1
  { q: `let nodes = datatable(name:string, type:string, age:int) 
[ 
  "Alice", "Person", 23,  
  "Bob", "Person", 31,  
  "Eve", "Person", 17,  
  "Mallory", "Person", 29,  
  "Trent", "System", 99 
]; 
let edges = datatable(Source:string, Destination:string, edge_type:string) 
[ 
  "Alice", "Bob", "communicatesWith",  
  "Alice", "Trent", "trusts",  
  "Bob", "Trent", "hasPermission",  
  "Eve", "Alice", "attacks",  
  "Mallory", "Alice", "attacks",  
  "Mallory", "Bob", "attacks"  
]; 
edges 
| make-graph Source --> Destination with nodes on name 
| graph-match (mallory)-[attacks]->(compromised)-[hasPermission]->(trent) 
  where mallory.name == "Mallory" and trent.name == "Trent" and attacks.edge_type == "attacks" and hasPermission.edge_type == "hasPermission" 
  project Attacker = mallory.name, Compromised = compromised.name, System = trent.name`, cols: ["Attacker:string", "Compromised:string", "System:string"], rows: [["Mallory", "Bob", "Trent"]] },
  // make-graph-operator.md #2
  { q: `let edges = datatable(source:string, destination:string, edge_type:string) 
[ 
  "Alice", "Bob", "communicatesWith",  
  "Alice", "Trent", "trusts",  
  "Bob", "Trent", "hasPermission",  
  "Eve", "Alice", "attacks",  
  "Mallory", "Alice", "attacks",  
  "Mallory", "Bob", "attacks"  
]; 
edges 
| make-graph source --> destination with_node_id=name
| graph-match (mallory)-[attacks]->(compromised)-[hasPermission]->(trent) 
  where mallory.name == "Mallory" and trent.name == "Trent" and attacks.edge_type == "attacks" and hasPermission.edge_type == "hasPermission" 
  project Attacker = mallory.name, Compromised = compromised.name, System = trent.name`, cols: ["Attacker:string", "Compromised:string", "System:string"], rows: [["Mallory", "Bob", "Trent"]] },
  // make-graph-operator.md #3
  { q: `// Nodes table representing users across multiple tenants (organizations)
let nodes = datatable(userId:string, tenantId:string, name:string, department:string, role:string, location:dynamic) 
[
    // Tenant: CompanyA - San Francisco Bay Area
    "u001", "CompanyA", "Alice Johnson", "Engineering", "Senior Developer", dynamic({"type": "Point", "coordinates": [-122.4194, 37.7749]}),
    "u002", "CompanyA", "Bob Smith", "Engineering", "Team Lead", dynamic({"type": "Point", "coordinates": [-122.4094, 37.7849]}),
    "u003", "CompanyA", "Charlie Black", "Marketing", "Manager", dynamic({"type": "Point", "coordinates": [-122.4294, 37.7649]}),
    "u004", "CompanyA", "Diana Finch", "HR", "Director", dynamic({"type": "Point", "coordinates": [-122.3994, 37.7949]}),
    "u005", "CompanyA", "Eve Wilson", "Engineering", "Junior Developer", dynamic({"type": "Point", "coordinates": [-122.4394, 37.7549]}),
    // Tenant: CompanyB - New York Area  
    "u006", "CompanyB", "Frank Miller", "Sales", "Account Manager", dynamic({"type": "Point", "coordinates": [-74.0060, 40.7128]}),
    "u007", "CompanyB", "Grace Lee", "Engineering", "Senior Developer", dynamic({"type": "Point", "coordinates": [-74.0160, 40.7228]}),
    "u008", "CompanyB", "Henry Davis", "Marketing", "Specialist", dynamic({"type": "Point", "coordinates": [-73.9960, 40.7028]}),
    "u009", "CompanyB", "Ivy Chen", "Engineering", "Team Lead", dynamic({"type": "Point", "coordinates": [-74.0260, 40.7328]}),
    "u010", "CompanyB", "Jack Thompson", "Operations", "Manager", dynamic({"type": "Point", "coordinates": [-73.9860, 40.6928]}),
    // Tenant: CompanyC - Austin Area
    "u011", "CompanyC", "Kate Anderson", "Finance", "Analyst", dynamic({"type": "Point", "coordinates": [-97.7431, 30.2672]}),
    "u012", "CompanyC", "Liam Murphy", "Engineering", "Architect", dynamic({"type": "Point", "coordinates": [-97.7331, 30.2772]}),
    "u013", "CompanyC", "Maya Patel", "Product", "Manager", dynamic({"type": "Point", "coordinates": [-97.7531, 30.2572]}),
    "u014", "CompanyC", "Noah Garcia", "Engineering", "Developer", dynamic({"type": "Point", "coordinates": [-97.7631, 30.2472]}),
    "u015", "CompanyC", "Olivia Rodriguez", "Marketing", "Director", dynamic({"type": "Point", "coordinates": [-97.7231, 30.2872]})
];
// Edges table representing relationships/interactions between users
let edges = datatable(sourceUserId:string, targetUserId:string, tenantId:string, relationshipType:string, strength:int)
[
    // CompanyA relationships
    "u001", "u002", "CompanyA", "reportsTo", 9,
    "u005", "u002", "CompanyA", "reportsTo", 8,
    "u002", "u003", "CompanyA", "collaborates", 6,
    "u001", "u005", "CompanyA", "mentors", 7,
    "u003", "u004", "CompanyA", "collaborates", 5,
    "u001", "u003", "CompanyA", "communicates", 4,
    // CompanyB relationships
    "u007", "u009", "CompanyB", "reportsTo", 9,
    "u006", "u010", "CompanyB", "reportsTo", 8,
    "u008", "u006", "CompanyB", "collaborates", 6,
    "u009", "u010", "CompanyB", "communicates", 5,
    "u007", "u008", "CompanyB", "mentors", 7,
    "u006", "u007", "CompanyB", "collaborates", 6,
    // CompanyC relationships  
    "u014", "u012", "CompanyC", "reportsTo", 9,
    "u012", "u013", "CompanyC", "collaborates", 7,
    "u011", "u013", "CompanyC", "collaborates", 6,
    "u013", "u015", "CompanyC", "reportsTo", 8,
    "u012", "u015", "CompanyC", "communicates", 5,
    "u011", "u014", "CompanyC", "mentors", 6
];
edges
| make-graph sourceUserId --> targetUserId with nodes on userId partitioned-by tenantId (
    graph-match cycles=none (n1)-[e*2..4]->(n2)
        where n1.userId != n2.userId and all(e, relationshipType == "collaborates") and
            geo_distance_2points(todouble(n1.location.coordinates[0]), todouble(n1.location.coordinates[1]),
                             todouble(n2.location.coordinates[0]), todouble(n2.location.coordinates[1])) < 10000
        project Start = strcat(n1.name, " (", n1.tenantId, ")"), Tenants = map(e, tenantId), End = strcat(n2.name, " (", n2.tenantId, ")")
)`, cols: ["Start:string", "Tenants:dynamic", "End:string"], rows: [["Bob Smith (CompanyA)", "[\"CompanyA\",\"CompanyA\"]", "Diana Finch (CompanyA)"], ["Henry Davis (CompanyB)", "[\"CompanyB\",\"CompanyB\"]", "Grace Lee (CompanyB)"]] },
  // map-graph-function.md #1
  { q: `let connections = datatable(from_station:string, to_station:string, line:string) 
[ 
  "Central", "North", "red",
  "North", "Central", "red", 
  "Central", "South",  "red", 
  "South", "Central",  "red", 
  "South", "South-West", "red", 
  "South-West", "South", "red", 
  "South-West", "West", "red", 
  "West", "South-West", "red", 
  "Central", "East", "blue", 
  "East", "Central", "blue", 
  "Central", "West", "blue",
  "West", "Central", "blue",
]; 
connections 
| make-graph from_station --> to_station with_node_id=station
| graph-shortest-paths (start)-[connections*1..5]->(destination)
  where start.station == "South-West" and destination.station == "North"
  project from = start.station, path = map(connections, strcat(to_station, " (", line, ")")), to = destination.station`, cols: ["from:string", "path:dynamic", "to:string"], rows: [["South-West", "[\"South (red)\",\"Central (red)\",\"North (red)\"]", "North"]] },
  // map-graph-function.md #2
  { q: `let connections = datatable(from_station:string, to_station:string, line:string) 
[ 
  "Central", "North", "red",
  "North", "Central", "red", 
  "Central", "South",  "red", 
  "South", "Central",  "red", 
  "South", "South-West", "red", 
  "South-West", "South", "red", 
  "South-West", "West", "red", 
  "West", "South-West", "red", 
  "Central", "East", "blue", 
  "East", "Central", "blue", 
  "Central", "West", "blue",
  "West", "Central", "blue",
]; 
let stations = datatable(station:string, wifi:bool) 
[ 
  "Central", true,
  "North", false,
  "South", false,
  "South-West", true,
  "West", true,
  "East", false
];
connections 
| make-graph from_station --> to_station with stations on station
| graph-match cycles=none (start)-[connections*1..5]->(destination)
  where start.station == "South-West" and destination.station == "East"
  project stopovers = strcat_array(map(inner_nodes(connections), station), "->"),
          stopovers_with_wifi = set_intersect(map(inner_nodes(connections), station), map(inner_nodes(connections), iff(wifi, station, "")))`, cols: ["stopovers:string", "stopovers_with_wifi:dynamic"], rows: [["South->Central", "[\"Central\"]"], ["West->Central", "[\"West\",\"Central\"]"]] },
  // node-degree-in.md #1: the docs' output has a third row for 'Ellen', who is not in the example's data (the docs contradict themselves): the two rows that the data give
  { q: `let employees = datatable(name:string, age:long)
[
"Alice", 32,
"Bob", 31,
"Eve", 27,
"Joe", 29,
"Chris", 45,
"Alex", 35,
"Ben", 23,
"Richard", 39,
];
let reports = datatable(employee:string, manager:string)
[
"Bob", "Alice",
"Chris", "Alice",
"Eve", "Bob",
"Ben", "Chris",
"Joe", "Alice",
"Richard", "Bob"
];
reports
| make-graph employee --> manager with employees on name
| graph-match (manager)<-[reports*1..3]-(employee)
    where node_degree_in(manager) == 3 and any(inner_nodes(reports), node_degree_in() > 1)
    project manager.name, employee.name, 
            reports_and_inner_nodes_degree_in = map(inner_nodes(reports), strcat(name, " has ", node_degree_in(), " reports")),
            degree_in_m=node_degree_in(manager), 
            degree_out_e=node_degree_out(employee)`, cols: ["manager_name:string", "employee_name:string", "reports_and_inner_nodes_degree_in:dynamic", "degree_in_m:long", "degree_out_e:long"], rows: [["Alice", "Eve", "[\"Bob has 2 reports\"]", 3, 1], ["Alice", "Richard", "[\"Bob has 2 reports\"]", 3, 1]] },
  // node-degree-out.md #1: the docs' output lists 5 of the 13 matches (only some one-edge routes, e.g. not New York → San Francisco); every match is here
  { q: `// Locations table (nodes)
let Locations = datatable(LocationName: string, LocationType: string) [
    "New York", "City",
    "San Francisco", "City",
    "Chicago", "City",
    "Los Angeles", "City",
    "Seattle", "Warehouse"
];
// Routes table (edges)
let Routes = datatable(OriginLocationID: string, DestinationLocationID: string, TransportMode: string) [
    "New York", "San Francisco", "Truck",
    "New York", "Chicago", "Train",
    "San Francisco", "Los Angeles", "Truck",
    "Chicago", "Seattle", "Train",
    "Los Angeles", "New York", "Truck",
    "Seattle", "San Francisco", "Train"
];
Routes
| make-graph OriginLocationID --> DestinationLocationID with Locations on LocationName
| graph-match (src)-[route*1..2]->(dest)
project src.LocationName, 
        dest.LocationName, 
        node_degree_out(src),
        route_TransportModes = map(route, TransportMode),
        route_nodes_degree_out = map(inner_nodes(route), node_degree_out())`, cols: ["src_LocationName:string", "dest_LocationName:string", "node_degree_out:long", "route_TransportModes:dynamic", "route_nodes_degree_out:dynamic"], rows: [["New York", "San Francisco", 2, "[\"Truck\"]", "[]"], ["New York", "Chicago", 2, "[\"Train\"]", "[]"], ["New York", "Los Angeles", 2, "[\"Truck\",\"Truck\"]", "[1]"], ["New York", "Seattle", 2, "[\"Train\",\"Train\"]", "[1]"], ["San Francisco", "New York", 1, "[\"Truck\",\"Truck\"]", "[1]"], ["San Francisco", "Los Angeles", 1, "[\"Truck\"]", "[]"], ["Chicago", "San Francisco", 1, "[\"Train\",\"Train\"]", "[1]"], ["Chicago", "Seattle", 1, "[\"Train\"]", "[]"], ["Los Angeles", "New York", 1, "[\"Truck\"]", "[]"], ["Los Angeles", "San Francisco", 1, "[\"Truck\",\"Truck\"]", "[2]"], ["Los Angeles", "Chicago", 1, "[\"Truck\",\"Train\"]", "[2]"], ["Seattle", "San Francisco", 1, "[\"Train\"]", "[]"], ["Seattle", "Los Angeles", 1, "[\"Train\",\"Truck\"]", "[1]"]] },
  // node-degree-out.md #2: the docs' output table has columns degree_in_m, degree_out_m where the query projects di_m, do_m, di_e, do_e (the docs contradict themselves); the values are the docs' (Jim, Alice, 1, 0) and Alice's degrees (in 3, out 1)
  { q: `let employees = datatable(name:string, age:long)
[
"Alice", 32,
"Bob", 31,
"Eve", 27,
"Joe", 29,
"Chris", 45,
"Alex", 35,
"Ben", 23,
"Richard", 39,
"Jim", 42,
];
let reports = datatable(employee:string, manager:string)
[
"Bob", "Alice",
"Chris", "Alice",
"Eve", "Bob",
"Ben", "Chris",
"Joe", "Alice",
"Richard", "Bob",
"Alice", "Jim"
];
reports
| make-graph employee --> manager with employees on name
| graph-match (manager)<-[reports]-(employee)
where node_degree_out(manager) == 0
project manager.name, employee.name, di_m=node_degree_in(manager), do_m=node_degree_out(manager), di_e=node_degree_in(employee), do_e=node_degree_out(employee)`, cols: ["manager_name:string", "employee_name:string", "di_m:long", "do_m:long", "di_e:long", "do_e:long"], rows: [["Jim", "Alice", 1, 0, 3, 1]] },
  // node-id.md #1: the docs' output names the columns manager_1, manager_2 where the query says manager1, manager2 (the docs contradict themselves); the values are the docs'
  { q: `let employees = datatable(name:string, age:long)
[
"Alice", 32,
"Bob", 31,
"Eve", 27,
];
let reports = datatable(employee:string, manager:string)
[
"Bob", "Alice",
"Chris", "Alice",
"Eve", "Bob",
];
reports
| make-graph employee --> manager with employees on name
| graph-match (employee)-[reports*1..3]->(manager)
    where node_id(employee) startswith "E"
    project manager1 = node_id(manager), manager2 = map(inner_nodes(reports), node_id())`, cols: ["manager1:string", "manager2:dynamic"], rows: [["Alice", "[\"Bob\"]"], ["Bob", "[]"]] },
  // ───────────── edge cases ─────────────
  // an empty graph: no nodes, no edges, no matches
  { q: `datatable(a:string, b:string)[] | make-graph a --> b with_node_id=id | graph-to-table nodes`, cols: ["id:string"], rows: [] },
  { q: `datatable(a:string, b:string)[] | make-graph a --> b with_node_id=id | graph-match (p)-[e*1..3]->(q) project p.id, q.id`, cols: ["p_id:string","q_id:string"], rows: [] },
  { q: `datatable(a:string, b:string)[] | make-graph a --> b | graph-to-table edges`, cols: ["a:string","b:string"], rows: [] },
  // a self-loop is an edge from a node to itself; matched once in either direction
  { q: `datatable(a:string, b:string)["x","x", "x","y"] | make-graph a --> b with_node_id=n | graph-match (p)-[e]->(q) project p.n, q.n`, cols: ["p_n:string","q_n:string"], rows: [["x","x"],["x","y"]] },
  { q: `datatable(a:string, b:string)["x","x", "x","y"] | make-graph a --> b with_node_id=n | graph-match (p)-[e]-(q) project p.n, q.n`, cols: ["p_n:string","q_n:string"], rows: [["x","x"],["x","y"],["y","x"]] },
  { q: `datatable(a:string, b:string)["x","x", "x","y"] | make-graph a --> b with_node_id=n | graph-match (p)-[e*1..3]->(q) where p.n == "x" project p.n, q.n, hops = array_length(map(e, b))`, cols: ["p_n:string","q_n:string","hops:long"], rows: [["x","x",1],["x","y",2],["x","y",1]] },
  // a cycle a → b → a: unique_edges (default) takes each edge once, all repeats edges up to the maximum length, none repeats no node
  { q: `datatable(a:string, b:string)["a","b", "b","a"] | make-graph a --> b with_node_id=n | graph-match (s)-[e*1..4]->(t) where s.n == "a" project s.n, t.n, hops = array_length(map(e, a))`, cols: ["s_n:string","t_n:string","hops:long"], rows: [["a","a",2],["a","b",1]] },
  { q: `datatable(a:string, b:string)["a","b", "b","a"] | make-graph a --> b with_node_id=n | graph-match cycles=all (s)-[e*1..4]->(t) where s.n == "a" project s.n, t.n, hops = array_length(map(e, a))`, cols: ["s_n:string","t_n:string","hops:long"], rows: [["a","a",2],["a","a",4],["a","b",1],["a","b",3]] },
  { q: `datatable(a:string, b:string)["a","b", "b","a"] | make-graph a --> b with_node_id=n | graph-match cycles=none (s)-[e*1..4]->(t) where s.n == "a" project s.n, t.n, hops = array_length(map(e, a))`, cols: ["s_n:string","t_n:string","hops:long"], rows: [["a","b",1]] },
  // a triangle closed by a repeated node variable
  { q: `datatable(a:string, b:string)["a","b", "b","c", "c","a"] | make-graph a --> b with_node_id=n | graph-match (x)-[e]->(y)-[f]->(z)-[g]->(x) where x.n == "a" project x.n, y.n, z.n`, cols: ["x_n:string","y_n:string","z_n:string"], rows: [["a","b","c"]] },
  // duplicate edges are distinct edges (one per row)
  { q: `datatable(a:string, b:string, w:long)["a","b",1, "a","b",2] | make-graph a --> b with_node_id=n | graph-match (p)-[e]->(q) project p.n, q.n, e.w`, cols: ["p_n:string","q_n:string","e_w:long"], rows: [["a","b",1],["a","b",2]] },
  { q: `datatable(a:string, b:string, w:long)["a","b",1, "a","b",2] | make-graph a --> b | graph-to-table edges`, cols: ["a:string","b:string","w:long"], rows: [["a","b",1],["a","b",2]] },
  // a row whose source or target id is null is no edge, and names no node
  { q: `datatable(a:long, b:long)[1,2, long(null),3, 4,long(null)] | make-graph a --> b with_node_id=id | graph-to-table nodes`, cols: ["id:long"], rows: [[1],[2]] },
  { q: `datatable(a:long, b:long)[1,2, long(null),3, 4,long(null)] | make-graph a --> b | graph-to-table edges`, cols: ["a:long","b:long"], rows: [[1,2]] },
  // strong components follow the edges' direction, weak ones do not; components are numbered in the order of their first node
  { q: `datatable(a:string, b:string)["a","b", "b","a", "b","c"] | make-graph a --> b with_node_id=n | graph-mark-components kind=strong | graph-to-table nodes`, cols: ["n:string","ComponentId:long"], rows: [["a",0],["b",0],["c",1]] },
  { q: `datatable(a:string, b:string)["a","b", "b","a", "b","c"] | make-graph a --> b with_node_id=n | graph-mark-components | graph-to-table nodes`, cols: ["n:string","ComponentId:long"], rows: [["a",0],["b",0],["c",0]] },
  { q: `datatable(a:string, b:string)["a","b", "c","d"] | make-graph a --> b with_node_id=n | graph-mark-components kind=weak with_component_id=w | graph-mark-components kind=strong with_component_id=s | graph-to-table nodes`, cols: ["n:string","w:long","s:long"], rows: [["a",0,0],["b",0,1],["c",1,2],["d",1,3]] },
  // a zero-length path joins a node to itself
  { q: `datatable(a:string, b:string)["a","b"] | make-graph a --> b with_node_id=n | graph-match (p)-[e*0..1]->(q) project p.n, q.n, hops = array_length(map(e, a))`, cols: ["p_n:string","q_n:string","hops:long"], rows: [["a","a",0],["a","b",1],["b","b",0]] },
  // anonymous edges, right to left
  { q: `datatable(a:string, b:string)["a","b", "c","b"] | make-graph a --> b with_node_id=n | graph-match (q)<--(p) project p.n, q.n`, cols: ["p_n:string","q_n:string"], rows: [["a","b"],["c","b"]] },
  // node_degree_in(), node_degree_out(), node_id() of node variables
  { q: `datatable(a:string, b:string)["a","b", "c","b", "b","d"] | make-graph a --> b with_node_id=n | graph-match (p)-->(q) where q.n == "b" project q.n, indeg = node_degree_in(q), outdeg = node_degree_out(q), id = node_id(p)`, cols: ["q_n:string","indeg:long","outdeg:long","id:string"], rows: [["b",2,1,"a"],["b",2,1,"c"]] },
  // two node tables: their properties merged (the first table's value wins); node tables' nodes first, then the edges' other endpoints; key columns hold the id of every node
  { q: `let N1 = datatable(id:string, x:long)["a",1, "b",2]; let N2 = datatable(k:string, x:long, y:string)["b",20,"B", "c",30,"C"]; datatable(s:string, t:string)["a","c", "d","a"] | make-graph s --> t with N1 on id, N2 on k | graph-to-table nodes`, cols: ["id:string","x:long","k:string","y:string"], rows: [["a",1,"a",""],["b",2,"b","B"],["c",30,"c","C"],["d",null,"d",""]] },
  // partitioned-by: one graph per partition value, results combined (no path crosses partitions)
  { q: `datatable(p:string, s:string, t:string)["t1","a","b", "t2","a","b", "t2","b","c"] | make-graph s --> t with_node_id=n partitioned-by p (graph-match (x)-[e*1..2]->(y) project x.n, y.n, parts = map(e, p))`, cols: ["x_n:string","y_n:string","parts:dynamic"], rows: [["a","b","[\"t1\"]"],["a","b","[\"t2\"]"],["a","c","[\"t2\",\"t2\"]"],["b","c","[\"t2\"]"]] },
  { q: `datatable(p:string, s:string, t:string)["t1","a","b", "t2","a","b"] | make-graph s --> t with_node_id=n partitioned-by p (graph-to-table nodes)`, cols: ["n:string"], rows: [["a"],["b"],["a"],["b"]] },
  // the node hash ids, exactly (the docs' values: hash() of the id)
  { q: `datatable(s:string, t:string)["Alice","Bob"] | make-graph s --> t with_node_id=n | graph-to-table nodes with_node_id=NodeId | project n, NodeId = tostring(NodeId)`, cols: ["n:string","NodeId:string"], rows: [["Alice","-3122868243544336885"],["Bob","-7133945255344544237"]] },
  { q: `datatable(s:string, t:string)["Alice","Bob"] | make-graph s --> t | graph-to-table edges with_source_id=S with_target_id=T | project S = tostring(S), T = tostring(T)`, cols: ["S:string","T:string"], rows: [["-3122868243544336885","-7133945255344544237"]] },
  // a let-bound graph, an anonymous variable length edge
  { q: `let g = datatable(s:string, t:string)["a","b", "b","c"] | make-graph s --> t with_node_id=n; g | graph-match (x)-[*2..2]->(y) project x.n, y.n`, cols: ["x_n:string","y_n:string"], rows: [["a","c"]] },
  // shortest paths in any direction
  { q: `datatable(s:string, t:string)["a","b", "b","c"] | make-graph s --> t with_node_id=n | graph-shortest-paths (x)-[e*1..3]-(y) where x.n == "c" project x.n, y.n, len = array_length(map(e, s))`, cols: ["x_n:string","y_n:string","len:long"], rows: [["c","a",2],["c","b",1]] },
  // all() and any() over edges and inner nodes
  { q: `datatable(s:long, t:long)[1,2, 2,3, 3,4] | make-graph s --> t with_node_id=n | graph-match (x)-[e*1..3]->(y) where all(e, s < 3) and any(inner_nodes(e), n == 2) project x.n, y.n, inner = map(inner_nodes(e), n)`, cols: ["x_n:long","y_n:long","inner:dynamic"], rows: [[1,3,"[2]"]] },
  // a property of a variable length edge is the array of its edges' values
  { q: `datatable(s:long, t:long)[1,2, 2,3] | make-graph s --> t with_node_id=n | graph-match (x)-[e*1..2]->(y) project x.n, y.n, e.s, e.t`, cols: ["x_n:long","y_n:long","e_s:dynamic","e_t:dynamic"], rows: [[1,2,"[1]","[2]"],[1,3,"[1,2]","[2,3]"],[2,3,"[2]","[3]"]] },
  // graph-to-table's output is a table for any operator
  { q: `datatable(s:string, t:string)["a","b"] | make-graph s --> t with_node_id=n | graph-to-table edges as E | union (print s="z", t="y")`, cols: ["s:string","t:string"], rows: [["a","b"],["z","y"]] },
  // a where condition on one end's node starts the path search there (at the right end, walked backwards, lists still left to right)
  { q: `datatable(s:long, t:long)[1,2, 2,3, 3,4] | make-graph s --> t with_node_id=n | graph-match (x)-[e*1..3]->(y) where y.n == 4 project x.n, inner = map(inner_nodes(e), n), es = map(e, s)`, cols: ["x_n:long","inner:dynamic","es:dynamic"], rows: [[1,"[2,3]","[1,2,3]"],[2,"[3]","[2,3]"],[3,"[]","[3]"]] },
  { q: `datatable(s:long, t:long)[1,2, 2,3, 3,4] | make-graph s --> t with_node_id=n | graph-match (y)<-[e*1..3]-(x) where y.n == 4 project x.n, inner = map(inner_nodes(e), n), es = map(e, s)`, cols: ["x_n:long","inner:dynamic","es:dynamic"], rows: [[1,"[3,2]","[3,2,1]"],[2,"[3]","[3,2]"],[3,"[]","[3]"]] },
  // the complete directed graph on 30 nodes: from node 1 to node 2, 1 + 28 + 812 trails of at most 3 edges (over every start node they are more than the path limit)
  { q: `range i from 1 to 30 step 1 | extend k = range(1, 30) | mv-expand j = k to typeof(long) | where i != j | make-graph i --> j with_node_id=n | graph-match (a)-[e*1..3]->(b) where a.n == 1 and b.n == 2 project a.n | count`, cols: ["Count:long"], rows: [[841]] },
  // labels-graph-function.md: a graph built by make-graph has no labels, labels() is always an empty array
  { q: `datatable(s:long, t:long)[1,2, 2,3] | make-graph s --> t with_node_id=n | graph-match (x)-[e*1..2]->(y) where array_length(labels(x)) == 0 project x.n, l = labels(e), m = map(inner_nodes(e), labels())`, cols: ["x_n:long","l:dynamic","m:dynamic"], rows: [[1,"[]","[]"],[1,"[]","[[]]"],[2,"[]","[]"]] },
  // ───────────── errors ─────────────
  { q: `print x=1 | make-graph x --> x | where true`, err: { kind: 'SemanticError', msg: "where: make-graph returns a graph, not a table: only graph operators (graph-match, graph-shortest-paths, graph-to-table, graph-mark-components) may follow it" } },
  { q: `print x=1 | make-graph x --> x`, err: { kind: 'SemanticError', msg: "The query's result is a graph: make-graph returns a graph, not a table: only graph operators (graph-match, graph-shortest-paths, graph-to-table, graph-mark-components) may follow it" } },
  { q: `print x=1 | graph-to-table nodes`, err: { kind: 'SemanticError', msg: "graph-to-table: its input must be a graph (the output of make-graph), not a table" } },
  { q: `graph("Model") | graph-match (a)-->(b) project a.x`, err: { kind: 'SemanticError', msg: "graph(): persisted graph models do not exist in a Log Analytics workspace; build the graph in the query with make-graph" } },
  { q: `print s="a", t="b" | make-graph s --> t | graph-to-table nodes as N, edges as E`, err: { kind: 'SemanticError', msg: "graph-to-table: nodes and edges together return two result tables, which a Log Analytics query cannot return; export them in two queries (graph-to-table nodes …, graph-to-table edges …)" } },
  { q: `print s="a", t="b" | make-graph s --> t | graph-match (a)-[e*1..11]->(b) project a.s`, err: { kind: 'SemanticError', msg: "graph-match: a variable length edge may have at most 10 edges (Vigil limit), got 11" } },
  { q: `print s="a", t="b" | make-graph s --> t | graph-match (a)-[e*3..2]->(b) project e.s`, err: { kind: 'SemanticError', msg: "graph-match: the variable length edge's minimum (3) is greater than its maximum (2)" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)-->(b) project a.nope`, err: { kind: 'SemanticError', msg: "graph-match: the nodes have no property 'nope'" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)-->(b) project a`, err: { kind: 'SemanticError', msg: "graph-match: 'a' is a pattern variable; use its properties (a.property)" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)-->(b), (c)-->(d) project a.n`, err: { kind: 'SemanticError', msg: "graph-match: the pattern's sequences must share node variables (only single connected component patterns are supported)" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-shortest-paths (a)-->(b) project a.n`, err: { kind: 'SemanticError', msg: "graph-shortest-paths: the pattern must have a variable length edge" } },
  { q: `print s="a", t=1 | make-graph s --> t`, err: { kind: 'SemanticError', msg: "make-graph: the source and target node ids must have one type (string and long)" } },
  { q: `print s="a", t="b" | make-graph s --> nope`, err: { kind: 'SemanticError', msg: "make-graph: the target node id column 'nope' does not exist" } },
  { q: `print s="a", t="b" | make-graph s --> t with (print k=1) on k`, err: { kind: 'SemanticError', msg: "make-graph: the node id column 'k' is long, the edges' node ids are string" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)-[e*1..2]->(b) project inner_nodes(e)`, err: { kind: 'SemanticError', msg: "inner_nodes(): only as the first argument of all(), any() or map()" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)-[e]->(b) project all(e, s == "a")`, err: { kind: 'SemanticError', msg: "graph-match: 'e' is a pattern variable; use its properties (e.property)" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)-[e*1..2]->(b) project m = map(e, node_degree_in())`, err: { kind: 'SemanticError', msg: "node_degree_in(): without an argument only inside all(), any() or map() over inner_nodes()" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n partitioned-by p (graph-to-table nodes)`, err: { kind: 'SemanticError', msg: "make-graph: partitioned-by: the edges have no column 'p'" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)-[e]->(b) where a.n project a.n`, err: { kind: 'SemanticError', msg: "The 'graph-match' predicate must be of type bool, got 'string'" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)-[e]->(b)`, err: { kind: 'SyntaxError', msg: "graph-match: expected 'where' or 'project'" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)<-[e]->(b) project a.n`, err: { kind: 'SyntaxError', msg: "a graph edge has one direction: <-[e]- or -[e]->" } },
  { q: `print s="a", t="b" | make-graph s --> t | graph-mark-components kind=medium`, err: { kind: 'SyntaxError', msg: "graph-mark-components: kind must be 'weak' or 'strong'" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-mark-components with_component_id=n`, err: { kind: 'SemanticError', msg: "graph-mark-components: the nodes already have a property 'n'; name the component id with with_component_id=" } },
  { q: `print s="a", t="b" | make-graph s --> t | make-graph s --> t`, err: { kind: 'SemanticError', msg: "make-graph: its input is already a graph; make-graph reads a table of edges" } },
  { q: `print s="a", t="b" | make-graph s --> t with_node_id=n | graph-match (a)-[e]->(b) project node_degree_in(e)`, err: { kind: 'SemanticError', msg: "node_degree_in(): expects a node variable of the pattern (or no argument inside all(), any() or map() over inner_nodes())" } },
  { q: `print s=dynamic(1), t=dynamic(2) | make-graph s --> t`, err: { kind: 'SemanticError', msg: "make-graph: node ids cannot be dynamic values; convert them (tostring(…), tolong(…)) first" } },
  { q: `datatable(s:long, t:long)[1,2] | make-graph s --> t with_node_id=n | graph-match (x)-[e]->(y) project l = labels()`, err: { kind: 'SemanticError', msg: 'labels(): expects a node or edge variable of the pattern' } },
];

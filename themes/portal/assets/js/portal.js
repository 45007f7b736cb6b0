// The site script of every page: site UI, the header and search, one
// bundle (with js/dom.js once); head/scripts.html puts MiniSearch before it.
import "./site.js";
import "./header.js";
import "./search.js";

// The site script of every page: site UI and search, one bundle (with
// js/dom.js once); head/scripts.html puts MiniSearch before it.
import "./site.js";
import "./search.js";

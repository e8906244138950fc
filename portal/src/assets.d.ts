// Stylesheets are bundled by esbuild (scripts/build-portal.mjs); importing one only has that effect.
declare module '*.css';

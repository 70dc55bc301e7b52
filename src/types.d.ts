declare module '*.sql' {
  const text: string;
  export default text;
}

/** Font files bundled as data modules (wrangler rule "Data" for *.ttf). */
declare module '*.ttf' {
  const data: ArrayBuffer;
  export default data;
}

/** Browser scripts and pages served by the worker (wrangler rule "Text" for *.client.js, *.client.html). */
declare module '*.client.js' {
  const text: string;
  export default text;
}
declare module '*.client.html' {
  const text: string;
  export default text;
}
